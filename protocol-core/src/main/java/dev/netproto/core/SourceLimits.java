package dev.netproto.core;

import dev.netproto.api.AdmissionOptions;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server's limits per source, judged at accept: how many new connections per second a source may open (a
 * token bucket, kept as GCRA's one "theoretical arrival time" per source) and, optionally, how many connections
 * it may hold at once. A source is an IPv4 address or an IPv6 /64 prefix (see {@link AdmissionOptions}).
 *
 * <p>Why at accept: TCP's three-way handshake has already proven that the peer receives at its address (what
 * WireGuard's cookie reply proves over UDP), so the address can be trusted for accounting before any byte is read,
 * and a refusal costs no handshake work at all.
 *
 * <p>Bounded state: the table keeps at most {@link #MAX_SOURCES} sources. A source whose bucket is full again and that
 * holds no connection is the same as an absent one, so such entries are dropped whenever the table has grown to twice
 * its size after the last sweep (at most every 100 ms). If the table is full of live sources (an attacker with that
 * many addresses or prefixes), a new source is admitted without being tracked: no worse than having no limit, and the
 * server's connection limit and pending budget still hold.
 *
 * <p>Threading: {@link #admit} and the sweep run on the acceptor's loop thread only (every acceptor of a server
 * runs on the same loop); {@link Source#release()} is called by connections closing on any loop and touches only
 * the source's atomic count, which the sweep reads before it drops an entry (a source with connections is never
 * dropped, and only the acceptor thread adds to the count).
 */
final class SourceLimits {
    /** Most sources tracked at once: about 100 bytes each, so at most a few MiB. */
    static final int MAX_SOURCES = 65_536;
    private static final int FIRST_SWEEP = 1024;
    /** Sweeps at most this often, so that a table full of live sources costs one scan per interval, not per accept. */
    private static final long SWEEP_INTERVAL_NS = 100_000_000L;

    /** A source's state. */
    static final class Source {
        private final InetAddress key;
        /** GCRA: the time at which the bucket would be full again; in the past when it is full. Acceptor thread. */
        private long fullAtNs;
        private final AtomicInteger open = new AtomicInteger();

        private Source(InetAddress key, long now) {
            this.key = key;
            this.fullAtNs = now;
        }

        /** Gives back the place of a connection that closed. Any thread; once per admitted counted connection. */
        void release() {
            open.decrementAndGet();
        }

        @Override
        public String toString() {
            return key.getHostAddress() + (key instanceof Inet6Address ? "/64" : "");
        }
    }

    /**
     * What {@link #admit} decided.
     *
     * @param source  the source to {@linkplain Source#release() release} when the connection closes, or null when
     *                nothing was counted for it
     * @param refusal why the connection is refused, or null when it is admitted
     */
    record Decision(Source source, String refusal) {
        static final Decision UNTRACKED = new Decision(null, null);
    }

    private final int maxPerSource;
    private final long intervalNs;
    private final long toleranceNs;
    private final Map<InetAddress, Source> sources = new HashMap<>();
    private int sweepAt = FIRST_SWEEP;
    private long lastSweepNs;
    private boolean swept;

    SourceLimits(AdmissionOptions options) {
        this.maxPerSource = options.maxConnectionsPerSource();
        int rate = options.sourceConnectionRate();
        this.intervalNs = rate == 0 ? 0 : 1_000_000_000L / rate;
        this.toleranceNs = intervalNs * (options.sourceConnectionBurst() - 1L);
    }

    /** Whether any limit is on; when not, the acceptor need not ask. */
    boolean enabled() {
        return maxPerSource > 0 || intervalNs > 0;
    }

    /**
     * Decides about a connection from {@code address}, accepted at {@code now}; on admission counts it. Acceptor
     * thread.
     *
     * @param address the peer's address; null (a Unix socket peer) is admitted untracked
     * @param now     the server clock's time, in nanoseconds
     * @return the decision
     */
    Decision admit(InetAddress address, long now) {
        if (address == null || !enabled()) {
            return Decision.UNTRACKED;
        }
        InetAddress key = keyOf(address);
        Source source = sources.get(key);
        if (source == null) {
            if (sources.size() >= sweepAt && (!swept || now - lastSweepNs >= SWEEP_INTERVAL_NS)) {
                sweep(now);
            }
            if (sources.size() >= MAX_SOURCES) {
                return Decision.UNTRACKED;
            }
            source = new Source(key, now);
            sources.put(key, source);
        }
        if (maxPerSource > 0 && source.open.get() >= maxPerSource) {
            return new Decision(null, "refused: " + source + " holds its maximum of " + maxPerSource
                + " connections");
        }
        if (intervalNs > 0) {
            // Compared by difference, not Math.max: clock values may wrap (NanoClock has an arbitrary origin).
            long fullAt = source.fullAtNs - now > 0 ? source.fullAtNs : now;
            if (fullAt - now > toleranceNs) {
                return new Decision(null, "refused: " + source + " opens connections faster than "
                    + 1_000_000_000L / intervalNs + " per second (burst " + (toleranceNs / intervalNs + 1) + ")");
            }
            source.fullAtNs = fullAt + intervalNs;
        }
        if (maxPerSource == 0) {
            return Decision.UNTRACKED;
        }
        source.open.incrementAndGet();
        return new Decision(source, null);
    }

    /** Sources tracked now; for tests. */
    int size() {
        return sources.size();
    }

    /** Drops the sources that are the same as absent: bucket full, no connection held. */
    private void sweep(long now) {
        for (Iterator<Source> it = sources.values().iterator(); it.hasNext(); ) {
            Source s = it.next();
            if (s.fullAtNs - now <= 0 && s.open.get() == 0) {
                it.remove();
            }
        }
        sweepAt = Math.max(FIRST_SWEEP, Math.min(MAX_SOURCES, 2 * sources.size()));
        lastSweepNs = now;
        swept = true;
    }

    /** The address itself for IPv4; the /64 prefix for IPv6. */
    static InetAddress keyOf(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
