package dev.netproto.security.noise;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The responder's defence against a replayed first handshake message. The first message carries the initiator's
 * wall-clock time in epoch milliseconds and its fresh ephemeral public key; the responder asks {@link #check} before
 * it answers, and goes on only on {@link Result#ACCEPTED}.
 *
 * <h2>Rules</h2>
 * With {@code now} read from the clock and {@code window} given at construction:
 * <ul>
 *   <li>a timestamp before {@code now - window} is {@link Result#TOO_OLD}, and one after {@code now + window} is
 *       {@link Result#TOO_NEW} (clocks may differ by up to the window either way); both bounds are inclusive;</li>
 *   <li>an ephemeral key seen before, whose entry is still held, is {@link Result#REPLAYED}, whatever timestamp it
 *       comes with now (the ephemeral key alone identifies a handshake: an honest initiator never reuses one);</li>
 *   <li>otherwise the key is recorded and the message is {@link Result#ACCEPTED}, unless the cache holds
 *       {@code maxEntries} live entries: then it is {@link Result#FULL} and nothing is recorded.</li>
 * </ul>
 * An entry is evicted once its timestamp falls before {@code now - window}: from then on the same message is
 * {@code TOO_OLD}, so forgetting it cannot let a replay through. An entry therefore lives until the clock passes
 * its timestamp plus the window, at most two windows after it was accepted (for a timestamp a full window ahead);
 * size {@code maxEntries} for the handshake rate times twice the window.
 *
 * <h2>Why FULL, not forgetting</h2>
 * When the cache is full of live entries, dropping one to make room would let a replay of the dropped message be
 * accepted, which is exactly what the cache exists to prevent. So it fails closed: new handshakes are refused
 * ({@code FULL}, which the caller treats like overload) until entries age out, at most two windows later. The
 * price is that someone able to send many first messages with fresh ephemeral keys can fill it; bound that with
 * connection limits and keep {@code maxEntries} well above the legitimate rate.
 *
 * <h2>A clock that goes back</h2>
 * The lower bound never moves back: it is the highest {@code now - window} seen so far. If the wall clock is set
 * back, messages older than that bound stay {@code TOO_OLD}, because their entries may already be evicted; a clock
 * that jumped forward and back makes honest initiators {@code TOO_OLD} until it catches up, rather than reopening
 * replays.
 *
 * <p>Threading: shared by every event loop of a server. Lock-based: {@link #check} and {@link #size()} synchronize
 * on a private lock and do O(log n) work under it (an eviction removes each entry once). Handshakes are rare next
 * to frames, so the lock is not contended in practice; it is held for no I/O and no cryptography.
 */
public final class ReplayCache {
    /** The longest window accepted: a longer one only means remembering more handshakes for longer. */
    public static final Duration MAX_WINDOW = Duration.ofDays(1);

    /** What {@link #check} decided. */
    public enum Result {
        /** Fresh: recorded; go on with the handshake. */
        ACCEPTED,
        /** The timestamp is before the window; refuse. */
        TOO_OLD,
        /** The timestamp is more than the window ahead of this clock; refuse. */
        TOO_NEW,
        /** This ephemeral key was accepted before, within the window; refuse: it is a replay. */
        REPLAYED,
        /** The cache holds its maximum of live entries; refuse (nothing recorded), as for overload. */
        FULL
    }

    private final Object lock = new Object();
    private final long windowMs;
    private final int maxEntries;
    private final InstantSource clock;
    /** Timestamps by ephemeral key. Guarded by {@code lock}. */
    private final Map<Ephemeral, Long> seen = new HashMap<>();
    /** The same entries, oldest timestamp first, for eviction. Guarded by {@code lock}. */
    private final PriorityQueue<Entry> byTimestamp = new PriorityQueue<>();
    /** The highest {@code now - window} seen; never decreases. Guarded by {@code lock}. */
    private long floorMs = Long.MIN_VALUE;

    /**
     * Creates a cache on the system clock.
     *
     * @param window     how far a timestamp may be from this clock, either way; 1 ms to {@link #MAX_WINDOW}
     * @param maxEntries how many handshakes to remember at most; at least 1
     * @throws IllegalArgumentException if a value is out of range, naming it
     */
    public ReplayCache(Duration window, int maxEntries) {
        this(window, maxEntries, InstantSource.system());
    }

    /**
     * Creates a cache.
     *
     * @param window     how far a timestamp may be from the clock, either way; 1 ms to {@link #MAX_WINDOW}
     * @param maxEntries how many handshakes to remember at most; at least 1
     * @param clock      the wall clock, read through {@link InstantSource#millis()}; tests pass one they advance
     * @throws IllegalArgumentException if a value is out of range, naming it
     * @throws NullPointerException     if {@code window} or {@code clock} is null
     */
    public ReplayCache(Duration window, int maxEntries, InstantSource clock) {
        Objects.requireNonNull(window, "window");
        if (window.compareTo(Duration.ofMillis(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("window must be from 1 ms to " + MAX_WINDOW.toHours() + " h, was "
                + window);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        this.windowMs = window.toMillis();
        this.maxEntries = maxEntries;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Decides about a first handshake message and, if it is fresh, remembers it.
     *
     * @param timestampMillis    the wall-clock time the initiator put in the message, in epoch milliseconds
     * @param ephemeralPublicKey the message's ephemeral public key, 32 bytes; copied
     * @return {@link Result#ACCEPTED} if the handshake may go on, otherwise why not
     * @throws IllegalArgumentException if {@code ephemeralPublicKey} is not 32 bytes
     * @throws NullPointerException     if {@code ephemeralPublicKey} is null
     */
    public Result check(long timestampMillis, byte[] ephemeralPublicKey) {
        Objects.requireNonNull(ephemeralPublicKey, "ephemeralPublicKey");
        if (ephemeralPublicKey.length != X25519.DH_LENGTH) {
            throw new IllegalArgumentException("ephemeralPublicKey must be " + X25519.DH_LENGTH + " bytes, was "
                + ephemeralPublicKey.length);
        }
        synchronized (lock) {
            // Read under the lock, so that the floor and the bounds of one check come from the same instant.
            long nowMs = clock.millis();
            floorMs = Math.max(floorMs, nowMs - windowMs);
            evictBefore(floorMs);
            if (timestampMillis < floorMs) {
                return Result.TOO_OLD;
            }
            if (timestampMillis > nowMs + windowMs) {
                return Result.TOO_NEW;
            }
            Ephemeral key = new Ephemeral(ephemeralPublicKey.clone());
            if (seen.containsKey(key)) {
                return Result.REPLAYED;
            }
            if (seen.size() >= maxEntries) {
                return Result.FULL;
            }
            seen.put(key, timestampMillis);
            byTimestamp.add(new Entry(timestampMillis, key));
            return Result.ACCEPTED;
        }
    }

    /**
     * Returns how many handshakes are remembered, including entries that the next {@link #check} will evict.
     *
     * @return the number of entries
     */
    public int size() {
        synchronized (lock) {
            return seen.size();
        }
    }

    /**
     * Returns the window.
     *
     * @return how far a timestamp may be from the clock, either way
     */
    public Duration window() {
        return Duration.ofMillis(windowMs);
    }

    /**
     * Returns the capacity.
     *
     * @return how many handshakes are remembered at most
     */
    public int maxEntries() {
        return maxEntries;
    }

    private void evictBefore(long floor) {
        Entry oldest = byTimestamp.peek();
        while (oldest != null && oldest.timestampMillis() < floor) {
            byTimestamp.poll();
            seen.remove(oldest.key());
            oldest = byTimestamp.peek();
        }
    }

    /**
     * An ephemeral public key as a map key. Comparable, so that if a peer crafts keys whose hash codes collide,
     * {@link HashMap} turns the crowded bin into a tree and lookups stay O(log n) instead of a list walk.
     */
    private record Ephemeral(byte[] bytes) implements Comparable<Ephemeral> {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ephemeral other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public int compareTo(Ephemeral other) {
            return Arrays.compareUnsigned(bytes, other.bytes);
        }

        @Override
        public String toString() {
            return "Ephemeral[" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    /** One remembered handshake, ordered by timestamp for eviction. */
    private record Entry(long timestampMillis, Ephemeral key) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry other) {
            return Long.compare(timestampMillis, other.timestampMillis);
        }
    }
}
