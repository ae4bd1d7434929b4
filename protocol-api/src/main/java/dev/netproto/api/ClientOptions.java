package dev.netproto.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The validated, immutable options of a client connection. Start from {@link #defaults()} or {@link #builder()}.
 *
 * @param connectTimeout   how long opening the transport may take (HELLO then has
 *                         {@link ConnectionOptions#handshakeTimeout()})
 * @param maxFrameLength   the largest frame payload this client accepts, in bytes
 * @param security         the security mechanism and its settings
 * @param transport        socket options
 * @param connection       limits and timeouts of the connection
 * @param requestTimeout   how long a request waits for its answer; zero for no limit
 * @param backpressureWait how long {@code request}/{@code send} wait for room when the connection's output is above
 *                         its high watermark; zero refuses at once with {@link OverloadedException}
 * @param reconnect        whether and how to reconnect after the connection is lost
 * @param stateListener    told about state changes; {@code null} for none
 * @param clock            the time source of timeouts and heartbeats
 * @param compression      compression algorithms to offer, in preference order; empty (the default) for none;
 *                         {@code null} for every one found ({@code lz4}, then {@code zstd}, then {@code deflate}).
 *                         Off by default, as servers accept what they have and clients opt in: on loopback and fast
 *                         networks compressing costs more CPU than it saves (docs/PERFORMANCE.md)
 * @param idleSpin         how long the client's event loop, with nothing to do, polls before it blocks in
 *                         {@code select}; zero (the default) blocks at once. See {@link Builder#idleSpin(Duration)}
 * @param metrics          the name of the metrics provider that publishes the client counters while this client
 *                         is open, such as {@code noop} (the default). See {@link Builder#metrics(String)}
 */
public record ClientOptions(Duration connectTimeout, int maxFrameLength, Security security,
                            TransportOptions transport, ConnectionOptions connection, Duration requestTimeout,
                            Duration backpressureWait, ReconnectPolicy reconnect,
                            ConnectionStateListener stateListener, NanoClock clock, List<String> compression,
                            Duration idleSpin, String metrics) {

    /**
     * Validates the options, reporting every problem at once.
     *
     * @param connectTimeout   transport connect timeout, positive
     * @param maxFrameLength   largest accepted payload
     * @param security         security mechanism
     * @param transport        socket options
     * @param connection       connection limits and timeouts
     * @param requestTimeout   request timeout, zero for none
     * @param backpressureWait wait for room, zero to refuse at once
     * @param reconnect        reconnect policy
     * @param stateListener    state listener, or {@code null}
     * @param clock            time source
     * @param compression      offered compression algorithms, or {@code null} for every one found
     * @param idleSpin         busy-poll time before blocking, from zero to 10 ms; {@code null} means zero
     * @param metrics          metrics provider name; checked against the providers found when the client connects
     */
    public ClientOptions {
        compression = compression == null ? null : List.copyOf(compression);
        idleSpin = idleSpin == null ? Duration.ZERO : idleSpin;
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(backpressureWait, "backpressureWait");
        Objects.requireNonNull(reconnect, "reconnect");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        List<String> problems = new ArrayList<>();
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            problems.add("connect_timeout: must be positive (" + connectTimeout + ")");
        }
        if (maxFrameLength < Limits.MIN_FRAME_LENGTH || maxFrameLength > Limits.MAX_FRAME_LENGTH_CAP) {
            problems.add("max_frame_length: must be in " + Limits.MIN_FRAME_LENGTH + ".."
                + Limits.MAX_FRAME_LENGTH_CAP + " (" + maxFrameLength + ")");
        }
        if (requestTimeout.isNegative()) {
            problems.add("request_timeout: must not be negative (" + requestTimeout + ")");
        }
        if (backpressureWait.isNegative()) {
            problems.add("backpressure_wait: must not be negative (" + backpressureWait + ")");
        }
        IdleSpin.check(idleSpin, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Validates options that publish their counters through no metrics provider ({@code noop}). This was the
     * canonical constructor before {@code metrics} was added; it stays so that code compiled against it still
     * links and compiles.
     *
     * @param connectTimeout   transport connect timeout, positive
     * @param maxFrameLength   largest accepted payload
     * @param security         security mechanism
     * @param transport        socket options
     * @param connection       connection limits and timeouts
     * @param requestTimeout   request timeout, zero for none
     * @param backpressureWait wait for room, zero to refuse at once
     * @param reconnect        reconnect policy
     * @param stateListener    state listener, or {@code null}
     * @param clock            time source
     * @param compression      offered compression algorithms, or {@code null} for every one found
     * @param idleSpin         busy-poll time before blocking, from zero to 10 ms; {@code null} means zero
     * @throws ConfigurationException listing every problem
     */
    public ClientOptions(Duration connectTimeout, int maxFrameLength, Security security, TransportOptions transport,
                         ConnectionOptions connection, Duration requestTimeout, Duration backpressureWait,
                         ReconnectPolicy reconnect, ConnectionStateListener stateListener, NanoClock clock,
                         List<String> compression, Duration idleSpin) {
        this(connectTimeout, maxFrameLength, security, transport, connection, requestTimeout, backpressureWait,
            reconnect, stateListener, clock, compression, idleSpin, Builder.METRICS_DEFAULT);
    }

    /**
     * Returns the defaults: 10 s connect timeout, 16 MiB frames, security {@code none}, default socket and
     * connection options, 30 s request timeout, refuse at once when the output is full, no reconnecting, no
     * compression, metrics {@code noop}.
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
        /** The metrics provider unless {@link #metrics(String)} names another: {@code noop}, which publishes none. */
        static final String METRICS_DEFAULT = "noop";

        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxFrameLength = Limits.MAX_FRAME_LENGTH_CAP;
        private Security security = Security.none();
        private TransportOptions transport = TransportOptions.defaults();
        private ConnectionOptions connection = ConnectionOptions.defaults();
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration backpressureWait = Duration.ZERO;
        private ReconnectPolicy reconnect = ReconnectPolicy.disabled();
        private ConnectionStateListener stateListener;
        private NanoClock clock = NanoClock.system();
        private List<String> compression = List.of();
        private Duration idleSpin = Duration.ZERO;
        private String metrics = METRICS_DEFAULT;

        private Builder() {
        }

        /**
         * Sets how long opening the transport may take.
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
         * Chooses the security provider by name, with no settings of its own; see {@link Security#named(String)}.
         *
         * @param name such as {@code none}
         * @return this builder
         */
        public Builder security(String name) {
            this.security = Security.named(name);
            return this;
        }

        /**
         * Chooses the security mechanism and its settings, such as {@link Security#tls} for a {@code tls://}
         * server.
         *
         * @param security the mechanism
         * @return this builder
         */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
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
         * Sets the connection's limits and timeouts.
         *
         * @param options the options
         * @return this builder
         */
        public Builder connection(ConnectionOptions options) {
            this.connection = options;
            return this;
        }

        /**
         * Sets how long a request waits for its answer.
         *
         * @param timeout zero for no limit
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * Sets how long sends wait for room when the output is above its high watermark.
         *
         * @param wait zero to refuse at once
         * @return this builder
         */
        public Builder backpressureWait(Duration wait) {
            this.backpressureWait = wait;
            return this;
        }

        /**
         * Sets the reconnect policy.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder reconnect(ReconnectPolicy policy) {
            this.reconnect = policy;
            return this;
        }

        /**
         * Sets the state listener.
         *
         * @param listener runs on the event loop
         * @return this builder
         */
        public Builder stateListener(ConnectionStateListener listener) {
            this.stateListener = listener;
            return this;
        }

        /**
         * Sets the time source of timeouts and heartbeats (for tests).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(NanoClock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Sets the compression algorithms to offer, in preference order (none by default).
         *
         * @param names provider names such as {@code lz4}, {@code zstd}, {@code deflate}; none for no compression
         * @return this builder
         */
        public Builder compression(String... names) {
            this.compression = List.of(names);
            return this;
        }

        /**
         * Sets how long the event loop that carries this client's connection, when it has nothing to do, keeps
         * polling its sockets and task queue ({@code selectNow} and {@link Thread#onSpinWait()}) before it blocks in
         * {@code select}; it trades CPU for the latency of waking a blocked thread.
         *
         * <p>Clients share the process's client event loops, so this is a request to the loop the connection lives
         * on: that loop spins, while it carries the connection, for the longest time asked by the connections it
         * carries. Default zero: block at once. See docs/PERFORMANCE.md.
         *
         * @param spin from zero to 10 ms
         * @return this builder
         */
        public Builder idleSpin(Duration spin) {
            this.idleSpin = spin;
            return this;
        }

        /**
         * Chooses, by name, the metrics provider that publishes the client counters, as
         * {@link ServerBuilder#metrics(String)} does for a server; {@code noop} (the default) publishes nothing.
         *
         * <p>Clients in one process share their event loops, and so their counters: the provider is given one
         * {@link dev.netproto.api.spi.MetricsSource} of scope {@code client}, the same one {@link Client#metrics()}
         * returns, which counts the traffic of every client in the process. It is registered when the first client
         * naming this provider connects and unregistered when the last such client closes (by
         * {@link Client#close()}, or by ending for good: its first connect failed, the server closed it with no
         * reconnecting, or reconnecting gave up), so a provider never sees two sources of one scope.
         *
         * @param name a provider name, such as {@code noop}; an unknown one fails the connect with a
         *             {@link ConfigurationException} naming the providers found
         * @return this builder
         */
        public Builder metrics(String name) {
            this.metrics = Objects.requireNonNull(name, "metrics");
            return this;
        }

        /**
         * Validates and returns the options.
         *
         * @return the options
         * @throws ConfigurationException listing every problem
         */
        public ClientOptions build() {
            return new ClientOptions(connectTimeout, maxFrameLength, security, transport, connection,
                requestTimeout, backpressureWait, reconnect, stateListener, clock, compression, idleSpin, metrics);
        }
    }
}
