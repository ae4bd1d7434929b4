package dev.netproto.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The validated, immutable options of a client connection. Start from {@link #defaults()} or {@link #builder()}.
 *
 * @param connectTimeout how long connecting and the HELLO exchange may take together
 * @param maxFrameLength the largest frame payload this client accepts, in bytes
 * @param security       the security provider's name, such as {@code none}
 * @param transport      socket options
 */
public record ClientOptions(Duration connectTimeout, int maxFrameLength, String security,
                            TransportOptions transport) {

    /**
     * Validates the options.
     *
     * @param connectTimeout connect and HELLO timeout, positive
     * @param maxFrameLength largest accepted payload
     * @param security       security provider name
     * @param transport      socket options
     */
    public ClientOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(transport, "transport");
        List<String> problems = new ArrayList<>();
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            problems.add("connect_timeout: must be positive (" + connectTimeout + ")");
        }
        if (maxFrameLength < Limits.MIN_FRAME_LENGTH || maxFrameLength > Limits.MAX_FRAME_LENGTH_CAP) {
            problems.add("max_frame_length: must be in " + Limits.MIN_FRAME_LENGTH + ".."
                + Limits.MAX_FRAME_LENGTH_CAP + " (" + maxFrameLength + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Returns the defaults: 10 s connect timeout, 16 MiB frames, security {@code none}, default socket options.
     *
     * @return the default options
     */
    public static ClientOptions defaults() {
        return builder().build();
    }

    /**
     * Starts building options from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link ClientOptions}; not thread-safe. */
    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxFrameLength = Limits.MAX_FRAME_LENGTH_CAP;
        private String security = "none";
        private TransportOptions transport = TransportOptions.defaults();

        private Builder() {
        }

        /**
         * Sets how long connecting and HELLO may take together.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Sets the largest frame payload this client accepts.
         *
         * @param bytes from {@value Limits#MIN_FRAME_LENGTH} to {@value Limits#MAX_FRAME_LENGTH_CAP}
         * @return this builder
         */
        public Builder maxFrameLength(int bytes) {
            this.maxFrameLength = bytes;
            return this;
        }

        /**
         * Chooses the security provider by name.
         *
         * @param name such as {@code none}
         * @return this builder
         */
        public Builder security(String name) {
            this.security = name;
            return this;
        }

        /**
         * Sets the socket options.
         *
         * @param options the options
         * @return this builder
         */
        public Builder transport(TransportOptions options) {
            this.transport = options;
            return this;
        }

        /**
         * Validates and returns the options.
         *
         * @return the options
         * @throws ConfigurationException listing every problem
         */
        public ClientOptions build() {
            return new ClientOptions(connectTimeout, maxFrameLength, security, transport);
        }
    }
}
