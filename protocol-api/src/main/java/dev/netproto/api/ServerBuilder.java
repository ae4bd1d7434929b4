package dev.netproto.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Collects a server's options, validates them all at once, and starts the server.
 *
 * <p>Not thread-safe: configure it on one thread. Defaults: one event loop per available processor, a maximum
 * frame payload of 16 MiB, security {@code none}, metrics {@code noop}, {@link TransportOptions#defaults()},
 * {@link ConnectionOptions#defaults()}, at most 10,000 connections, a memory budget of three quarters of the JVM's
 * direct-memory limit.
 */
public final class ServerBuilder {
    /** The smallest memory budget accepted: 1 MiB. */
    private static final long MIN_MEMORY_BUDGET = 1024 * 1024;

    private final List<String> listen = new ArrayList<>();
    private final Map<String, RouteConfig> routes = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private int eventLoops = Runtime.getRuntime().availableProcessors();
    private int maxFrameLength = Limits.MAX_FRAME_LENGTH_CAP;
    private Security security = Security.none();
    private String metrics = "noop";
    private TransportOptions transport = TransportOptions.defaults();
    private Executor blockingExecutor;
    private ConnectionErrorListener errorListener;
    private ConnectionOptions connection = ConnectionOptions.defaults();
    private int maxConnections = 10_000;
    private AdmissionOptions admission = AdmissionOptions.defaults();
    private NanoClock clock = NanoClock.system();
    private List<String> compression;
    private Duration idleSpin = Duration.ZERO;
    private long memoryBudget;

    ServerBuilder() {
    }

    /**
     * Adds an address to listen on, such as {@code tcp://127.0.0.1:7700}; port 0 picks a free port.
     *
     * @param uri the endpoint URI
     * @return this builder
     */
    public ServerBuilder listen(String uri) {
        listen.add(Objects.requireNonNull(uri, "uri"));
        return this;
    }

    /**
     * Registers a handler that runs on the event loop and must not block.
     *
     * @param name    the route name
     * @param handler the handler
     * @return this builder
     */
    public ServerBuilder route(String name, Handler handler) {
        return addRoute(name, handler, false);
    }

    /**
     * Registers a handler that may block; it runs on the blocking executor.
     *
     * @param name    the route name
     * @param handler the handler
     * @return this builder
     */
    public ServerBuilder blockingRoute(String name, Handler handler) {
        return addRoute(name, handler, true);
    }

    /**
     * Sets how many event-loop threads serve connections.
     *
     * @param count at least 1
     * @return this builder
     */
    public ServerBuilder eventLoops(int count) {
        this.eventLoops = count;
        return this;
    }

    /**
     * Sets the largest frame payload this server accepts; larger frames are refused before they are read.
     *
     * @param bytes from {@value Limits#MIN_FRAME_LENGTH} to {@value Limits#MAX_FRAME_LENGTH_CAP}
     * @return this builder
     */
    public ServerBuilder maxFrameLength(int bytes) {
        this.maxFrameLength = bytes;
        return this;
    }

    /**
     * Chooses the security provider by name, with no settings of its own; see {@link Security#named(String)}.
     *
     * @param name a provider name, such as {@code none}
     * @return this builder
     */
    public ServerBuilder security(String name) {
        this.security = Security.named(name);
        return this;
    }

    /**
     * Chooses the security mechanism and its settings, such as {@link Security#tls} for {@code tls://}
     * endpoints.
     *
     * @param security the mechanism
     * @return this builder
     */
    public ServerBuilder security(Security security) {
        this.security = Objects.requireNonNull(security, "security");
        return this;
    }

    /**
     * Chooses the metrics provider by name.
     *
     * @param name a provider name, such as {@code noop}
     * @return this builder
     */
    public ServerBuilder metrics(String name) {
        this.metrics = Objects.requireNonNull(name, "metrics");
        return this;
    }

    /**
     * Sets the socket options.
     *
     * @param options the options
     * @return this builder
     */
    public ServerBuilder transport(TransportOptions options) {
        this.transport = Objects.requireNonNull(options, "transport");
        return this;
    }

    /**
     * Sets the executor for blocking handlers; by default each message gets a virtual thread.
     *
     * @param executor the executor; the server does not shut it down
     * @return this builder
     */
    public ServerBuilder blockingExecutor(Executor executor) {
        this.blockingExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /**
     * Sets a listener told about each connection that ends with an error.
     *
     * @param listener the listener; runs on the event loop
     * @return this builder
     */
    public ServerBuilder onConnectionError(ConnectionErrorListener listener) {
        this.errorListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Sets the limits and timeouts of every connection.
     *
     * @param options the options
     * @return this builder
     */
    public ServerBuilder connection(ConnectionOptions options) {
        this.connection = Objects.requireNonNull(options, "connection");
        return this;
    }

    /**
     * Sets how many connections are served at once; the excess is told {@link ErrorCode#TOO_MANY_CONNECTIONS}
     * and closed. Default 10,000.
     *
     * @param max at least 1
     * @return this builder
     */
    public ServerBuilder maxConnections(int max) {
        this.maxConnections = max;
        return this;
    }

    /**
     * Sets how new connections are admitted: how many may be in HELLO at once, and how many connections, and how
     * many new ones per second, one source may have. See {@link AdmissionOptions} for the defaults and why.
     *
     * @param options the options
     * @return this builder
     */
    public ServerBuilder admission(AdmissionOptions options) {
        this.admission = Objects.requireNonNull(options, "admission");
        return this;
    }

    /**
     * Sets the time source of timeouts and heartbeats (for tests).
     *
     * @param clock the clock
     * @return this builder
     */
    public ServerBuilder clock(NanoClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Sets the compression algorithms this server accepts, by name; the client's first preference that is listed
     * here is used. By default every provider found is accepted; an empty list turns compression off.
     *
     * @param names provider names, such as {@code lz4}, {@code zstd}, {@code deflate}
     * @return this builder
     */
    public ServerBuilder compression(String... names) {
        this.compression = List.of(names);
        return this;
    }

    /**
     * Sets how long each event loop, when it has nothing to do, keeps polling its sockets and task queue
     * ({@code selectNow} and {@link Thread#onSpinWait()}) before it blocks in {@code select}. A loop spins only while
     * it serves at least one connection, at most this long per idle period, then blocks as usual.
     *
     * <p>Spinning trades CPU for latency: a message that arrives during the spin is picked up without the cost of
     * waking a blocked thread (tens of microseconds on a virtual machine), which dominates the round trip of one
     * connection with one request in flight. Each loop then burns up to this much CPU per idle period. Default zero:
     * block at once. See docs/PERFORMANCE.md for measurements.
     *
     * @param spin from zero to 10 ms
     * @return this builder
     */
    public ServerBuilder idleSpin(Duration spin) {
        this.idleSpin = spin;
        return this;
    }

    /**
     * Sets the most direct memory the server's buffers may hold at once: what it reads (frames that span reads),
     * decompresses and queues for sending, in use or kept for reuse. Without a budget, peers that send large
     * requests and never read the answers pin direct memory until the JVM runs out, and the
     * {@link OutOfMemoryError} then fails whichever connection allocates next.
     *
     * <p>Near the budget (above seven eighths of it) the server stops reading from the connections that hold the
     * most memory, and resumes when usage falls under three quarters; their peers are held back by TCP, so nothing
     * they sent is lost. A response too large for the memory left is answered with {@link ErrorCode#OVERLOADED}
     * instead. The server announces no larger maximum frame length than its budget can ever buffer, so a bigger
     * frame is refused with {@link ErrorCode#FRAME_TOO_LARGE}, naming the budget.
     *
     * <p>Default 0: three quarters of the JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, or the
     * maximum heap size when that is not set), leaving the rest for buffers waiting for the GC and for the JDK's own
     * use. Set it explicitly when several servers share a JVM, so that their budgets add up to less than that.
     *
     * @param bytes 0 for the default, or at least 1 MiB
     * @return this builder
     */
    public ServerBuilder memoryBudget(long bytes) {
        this.memoryBudget = bytes;
        return this;
    }

    /**
     * Validates the options and returns the configuration.
     *
     * @return the configuration
     * @throws ConfigurationException listing every problem found, each with its key
     */
    public ServerConfig build() {
        List<String> all = new ArrayList<>(problems);
        List<Endpoint> endpoints = new ArrayList<>();
        if (listen.isEmpty()) {
            all.add("listen: at least one endpoint is required, such as tcp://127.0.0.1:7700");
        }
        for (String uri : listen) {
            try {
                endpoints.add(Endpoint.parse(uri));
            } catch (ConfigurationException e) {
                all.add("listen: " + e.problems().get(0));
            }
        }
        if (eventLoops < 1 || eventLoops > 1024) {
            all.add("event_loops: must be in 1..1024 (" + eventLoops + ")");
        }
        if (maxFrameLength < Limits.MIN_FRAME_LENGTH || maxFrameLength > Limits.MAX_FRAME_LENGTH_CAP) {
            all.add("max_frame_length: must be in " + Limits.MIN_FRAME_LENGTH + ".." + Limits.MAX_FRAME_LENGTH_CAP
                + " (" + maxFrameLength + ")");
        }
        if (maxConnections < 1) {
            all.add("max_connections: must be >= 1 (" + maxConnections + ")");
        }
        IdleSpin.check(idleSpin, all);
        if (memoryBudget != 0 && memoryBudget < MIN_MEMORY_BUDGET) {
            all.add("memory_budget: must be 0 (three quarters of the JVM's direct-memory limit) or at least "
                + MIN_MEMORY_BUDGET + " bytes (" + memoryBudget + ")");
        }
        if (!all.isEmpty()) {
            throw new ConfigurationException(all);
        }
        return new ServerConfig(endpoints, routes, eventLoops, maxFrameLength, security, metrics, transport,
            blockingExecutor, errorListener, connection, maxConnections, clock, compression, idleSpin, admission,
            memoryBudget);
    }

    /**
     * Validates the options, binds every endpoint and starts serving.
     *
     * @return the running server
     * @throws ConfigurationException listing every problem, including unknown provider names
     * @throws NetprotoException      if an endpoint cannot be bound
     */
    public Server start() {
        return Engines.engine().startServer(build());
    }

    private ServerBuilder addRoute(String name, Handler handler, boolean blocking) {
        try {
            RouteConfig route = new RouteConfig(name, handler, blocking);
            if (routes.putIfAbsent(name, route) != null) {
                problems.add("route: '" + name + "' is registered twice");
            }
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        return this;
    }
}
