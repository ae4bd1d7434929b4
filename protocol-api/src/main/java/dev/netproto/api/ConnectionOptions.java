package dev.netproto.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Limits and timeouts that every connection applies, on the server side and the client side alike. A zero
 * duration turns that timeout off. Start from {@link #defaults()} or {@link #builder()}.
 *
 * @param handshakeTimeout         how long HELLO (and a security handshake) may take after the transport connected
 * @param idleTimeout              close a connection that received no complete frame for this long (heartbeats
 *                                 count); catches peers that trickle bytes without finishing a frame
 * @param frameTimeout             close a connection whose frame, once its first byte arrived, is not complete
 *                                 within this long plus one second per {@value #FRAME_ALLOWANCE_BYTES_PER_SECOND}
 *                                 bytes of its length, so that a peer trickling a frame holds its slot for seconds,
 *                                 not for the idle timeout; zero for no limit
 * @param writeTimeout             close a connection whose queued output made no progress for this long
 * @param heartbeatInterval        send PING after this long without receiving a frame; zero for no heartbeats
 * @param missedHeartbeats         declare the peer dead after this many intervals without a frame
 * @param writeBufferLowWatermark  bytes of queued output under which a paused sender resumes
 * @param writeBufferHighWatermark bytes of queued output above which new sends are refused (clients) or reading
 *                                 pauses (servers): the bound on per-connection output memory, plus the
 *                                 answers to the requests of the read that passed it (at most 64 KiB of requests,
 *                                 or one frame)
 * @param maxInFlightRequests      requests a connection has sent and not had answered (client), or received and
 *                                 not yet answered (server); more are refused with {@link OverloadedException}
 *                                 (client) or ERROR {@link ErrorCode#OVERLOADED} (server)
 */
public record ConnectionOptions(Duration handshakeTimeout, Duration idleTimeout, Duration frameTimeout,
                                Duration writeTimeout, Duration heartbeatInterval, int missedHeartbeats,
                                int writeBufferLowWatermark, int writeBufferHighWatermark, int maxInFlightRequests) {

    /**
     * The slowest rate at which a frame is allowed to arrive, beyond {@link #frameTimeout()}: 64 KiB/s, so a
     * 16 MiB frame gets 256 s more, enough for a link of about half a megabit per second.
     */
    public static final int FRAME_ALLOWANCE_BYTES_PER_SECOND = 64 * 1024;

    /**
     * Validates the options, reporting every problem at once.
     *
     * @param handshakeTimeout         HELLO timeout, zero for none
     * @param idleTimeout              idle timeout, zero for none
     * @param frameTimeout             frame-completion timeout, zero for none
     * @param writeTimeout             write-progress timeout, zero for none
     * @param heartbeatInterval        heartbeat interval, zero for none
     * @param missedHeartbeats         intervals without a frame before the peer is dead, at least 1
     * @param writeBufferLowWatermark  resume threshold in bytes
     * @param writeBufferHighWatermark pause threshold in bytes, above the low one
     * @param maxInFlightRequests      in-flight request limit, at least 1
     */
    public ConnectionOptions {
        List<String> problems = new ArrayList<>();
        nonNegative(problems, "handshake_timeout", handshakeTimeout);
        nonNegative(problems, "idle_timeout", idleTimeout);
        nonNegative(problems, "frame_timeout", frameTimeout);
        nonNegative(problems, "write_timeout", writeTimeout);
        nonNegative(problems, "heartbeat_interval", heartbeatInterval);
        if (missedHeartbeats < 1) {
            problems.add("missed_heartbeats: must be >= 1 (" + missedHeartbeats + ")");
        }
        if (writeBufferLowWatermark < 0) {
            problems.add("write_buffer_low_watermark: must be >= 0 (" + writeBufferLowWatermark + ")");
        }
        if (writeBufferHighWatermark <= writeBufferLowWatermark) {
            problems.add("write_buffer_high_watermark: must be above the low watermark (" + writeBufferHighWatermark
                + " <= " + writeBufferLowWatermark + ")");
        }
        if (maxInFlightRequests < 1) {
            problems.add("max_in_flight_requests: must be >= 1 (" + maxInFlightRequests + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Returns the defaults: handshake 10 s, idle 5 min, frame 20 s (plus 1 s per 64 KiB), write 30 s, heartbeat
     * every 30 s with 3 missed allowed, watermarks 256 KiB / 1 MiB, 10,000 requests in flight.
     *
     * @return the default options
     */
    public static ConnectionOptions defaults() {
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
        b.handshakeTimeout = handshakeTimeout;
        b.idleTimeout = idleTimeout;
        b.frameTimeout = frameTimeout;
        b.writeTimeout = writeTimeout;
        b.heartbeatInterval = heartbeatInterval;
        b.missedHeartbeats = missedHeartbeats;
        b.low = writeBufferLowWatermark;
        b.high = writeBufferHighWatermark;
        b.maxInFlightRequests = maxInFlightRequests;
        return b;
    }

    private static void nonNegative(List<String> problems, String key, Duration d) {
        if (d == null) {
            problems.add(key + ": must be set");
        } else if (d.isNegative()) {
            problems.add(key + ": must not be negative (" + d + ")");
        }
    }

    /** Builds {@link ConnectionOptions}; not thread-safe. */
    public static final class Builder {
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofMinutes(5);
        private Duration frameTimeout = Duration.ofSeconds(20);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private Duration heartbeatInterval = Duration.ofSeconds(30);
        private int missedHeartbeats = 3;
        private int low = 256 * 1024;
        private int high = 1024 * 1024;
        private int maxInFlightRequests = 10_000;

        private Builder() {
        }

        /**
         * Sets the HELLO timeout.
         *
         * @param timeout zero for none
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the idle timeout.
         *
         * @param timeout zero for none
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets how long a frame may take to arrive once its first byte did, plus one second per
         * {@value ConnectionOptions#FRAME_ALLOWANCE_BYTES_PER_SECOND} bytes of its length. A peer that starts a
         * frame and trickles it (a byte a second is enough to defeat the idle timeout, which counts only complete
         * frames) is closed with {@link ErrorCode#TIMEOUT} after this, not after the idle timeout.
         *
         * @param timeout zero for none
         * @return this builder
         */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the write-progress timeout.
         *
         * @param timeout zero for none
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sets the heartbeat interval and how many may be missed.
         *
         * @param interval zero for no heartbeats
         * @param missed   intervals without a frame before the peer is declared dead
         * @return this builder
         */
        public Builder heartbeat(Duration interval, int missed) {
            this.heartbeatInterval = Objects.requireNonNull(interval, "interval");
            this.missedHeartbeats = missed;
            return this;
        }

        /**
         * Sets the output watermarks.
         *
         * @param lowBytes  resume under this
         * @param highBytes pause above this
         * @return this builder
         */
        public Builder writeBufferWatermarks(int lowBytes, int highBytes) {
            this.low = lowBytes;
            this.high = highBytes;
            return this;
        }

        /**
         * Sets the in-flight request limit.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxInFlightRequests(int max) {
            this.maxInFlightRequests = max;
            return this;
        }

        /**
         * Validates and returns the options.
         *
         * @return the options
         * @throws ConfigurationException listing every problem
         */
        public ConnectionOptions build() {
            return new ConnectionOptions(handshakeTimeout, idleTimeout, frameTimeout, writeTimeout, heartbeatInterval,
                missedHeartbeats, low, high, maxInFlightRequests);
        }
    }
}
