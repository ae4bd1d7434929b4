package dev.netproto.api;

import java.util.ArrayList;
import java.util.List;

/**
 * How a server admits new connections, so that one source, or many connections that never finish HELLO, cannot
 * take the places that other clients need. Start from {@link #defaults()} or {@link #builder()}.
 *
 * <p>A <em>source</em> is the peer's IP address; for IPv6, its /64 prefix (what one host or one site is usually
 * given, so that an attacker cannot count as a new source per address). Connections over Unix sockets have no
 * source and are not counted per source: file permissions decide who may connect there.
 *
 * <p>Refusing by source happens at accept, before any byte is read or any handshake work is done: the server writes
 * CLOSE {@link ErrorCode#TOO_MANY_CONNECTIONS} with the reason (on {@code tls://}, where nothing can be said before
 * the TLS handshake, it only closes) and closes. A refusal costs the server a few system calls, so a source sending
 * connections as fast as it can spends the server's CPU on little more than {@code accept} and {@code close}.
 *
 * <p><b>Behind a proxy</b> (HAProxy in TCP mode, a Kubernetes Service without client-IP preservation) every
 * connection comes from the proxy's address, so the proxy is one source: raise {@link #sourceConnectionRate()} to
 * what the proxy opens at peak, or turn it off with 0.
 *
 * @param maxPendingConnections   connections that have not yet finished HELLO and the security handshake, at once,
 *                                across the server (each event loop gets an equal share). When a new connection
 *                                finds its loop's share full, the connection that has waited longest is closed with
 *                                {@link ErrorCode#TOO_MANY_CONNECTIONS} to make room: a flood of connections that
 *                                send nothing then displaces only itself, while a client that completes HELLO in
 *                                milliseconds is never the oldest for long. They also count against the server's
 *                                connection limit
 * @param maxConnectionsPerSource connections one source may hold at once, open or not; 0 for no limit (the
 *                                default: many clients can share one address behind NAT or a proxy)
 * @param sourceConnectionRate    new connections per second one source may open, on average; 0 for no limit.
 *                                This is what bounds the handshake CPU (Diffie-Hellman, certificate signatures) a
 *                                source can make the server spend
 * @param sourceConnectionBurst   how many connections a source may open at once beyond that rate, at least 1
 */
public record AdmissionOptions(int maxPendingConnections, int maxConnectionsPerSource, int sourceConnectionRate,
                               int sourceConnectionBurst) {

    /**
     * Validates the options, reporting every problem at once.
     *
     * @param maxPendingConnections   not-yet-open connections at once, at least 1
     * @param maxConnectionsPerSource connections per source at once, 0 for no limit
     * @param sourceConnectionRate    new connections per source per second, 0 for no limit
     * @param sourceConnectionBurst   burst above the rate, at least 1
     */
    public AdmissionOptions {
        List<String> problems = new ArrayList<>();
        if (maxPendingConnections < 1) {
            problems.add("max_pending_connections: must be >= 1 (" + maxPendingConnections + ")");
        }
        if (maxConnectionsPerSource < 0) {
            problems.add("max_connections_per_source: must be >= 0, 0 for no limit (" + maxConnectionsPerSource
                + ")");
        }
        if (sourceConnectionRate < 0 || sourceConnectionRate > 1_000_000) {
            problems.add("source_connection_rate: must be in 0..1000000 per second, 0 for no limit ("
                + sourceConnectionRate + ")");
        }
        if (sourceConnectionBurst < 1) {
            problems.add("source_connection_burst: must be >= 1 (" + sourceConnectionBurst + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Returns the defaults: 1,024 pending connections, no per-source connection limit, 200 new connections per
     * second per source with bursts of 400.
     *
     * @return the default options
     */
    public static AdmissionOptions defaults() {
        return builder().build();
    }

    /**
     * Starts from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts from these options.
     *
     * @return a builder holding these values
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxPendingConnections = maxPendingConnections;
        b.maxConnectionsPerSource = maxConnectionsPerSource;
        b.sourceConnectionRate = sourceConnectionRate;
        b.sourceConnectionBurst = sourceConnectionBurst;
        return b;
    }

    /** Builds {@link AdmissionOptions}; not thread-safe. */
    public static final class Builder {
        private int maxPendingConnections = 1024;
        private int maxConnectionsPerSource;
        private int sourceConnectionRate = 200;
        private int sourceConnectionBurst = 400;

        private Builder() {
        }

        /**
         * Sets how many connections may be waiting for HELLO and the security handshake at once.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxPendingConnections(int max) {
            this.maxPendingConnections = max;
            return this;
        }

        /**
         * Sets how many connections one source may hold at once.
         *
         * @param max 0 for no limit
         * @return this builder
         */
        public Builder maxConnectionsPerSource(int max) {
            this.maxConnectionsPerSource = max;
            return this;
        }

        /**
         * Sets how fast one source may open connections.
         *
         * @param perSecond new connections per second on average, 0 for no limit
         * @param burst     how many may come at once beyond that rate, at least 1
         * @return this builder
         */
        public Builder sourceConnectionRate(int perSecond, int burst) {
            this.sourceConnectionRate = perSecond;
            this.sourceConnectionBurst = burst;
            return this;
        }

        /**
         * Validates and returns the options.
         *
         * @return the options
         * @throws ConfigurationException listing every problem
         */
        public AdmissionOptions build() {
            return new AdmissionOptions(maxPendingConnections, maxConnectionsPerSource, sourceConnectionRate,
                sourceConnectionBurst);
        }
    }
}
