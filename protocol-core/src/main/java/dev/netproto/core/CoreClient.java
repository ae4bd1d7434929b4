package dev.netproto.core;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionState;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.NetprotoException;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.ReconnectPolicy;
import dev.netproto.api.RequestTimeoutException;
import dev.netproto.api.RouteConfig;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.MetricsSource;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.TransportProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client: one connection at a time to one endpoint, replaced by a new one when the policy says to reconnect.
 *
 * <p><b>Threading.</b> Every connection of a client lives on the client's home loop, and all reconnect state
 * ({@link #queue}, {@link #attempts}, timers) is written only there. Public methods may be called from any thread:
 * calls on the home loop write directly; others copy the body and hand it over as a {@link PendingRequest} task.
 * {@link #current}, {@link #state} and {@link #closed} are volatile so that callers see them.
 */
final class CoreClient implements Client {
    /** Route names cached as UTF-8, up to this many, so that a request allocates no encoded name. */
    static final int ROUTE_CACHE_LIMIT = 1024;
    /**
     * How many times a request answered NOT_PROCESSED is sent again before the caller gets the answer: a server
     * restarted once costs one re-send; a bound keeps a server that answers nothing else from looping a request.
     */
    static final int MAX_RESENDS = 3;
    /** How often requests queued during a reconnect are checked for their timeout. */
    static final long QUEUE_SWEEP_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final Logger LOG = LoggerFactory.getLogger(CoreClient.class);

    private final Endpoint endpoint;
    private final ClientOptions options;
    private final TransportProvider transport;
    private final Settings settings;
    private final EventLoop loop;
    private final ReconnectPolicy policy;
    /** Publishes the client counters while this client is open ({@link ClientMetrics}). */
    private final MetricsProvider metrics;
    /** Set by the first of {@link #close()} and {@link #endFor} to run, so that {@link #metrics} is released once. */
    private final AtomicBoolean metricsReleased = new AtomicBoolean();
    private final ConcurrentHashMap<String, byte[]> routes = new ConcurrentHashMap<>();
    /** Bytes of request bodies handed to the loop and not yet queued on the connection. */
    private final AtomicLong handoffBytes = new AtomicLong();
    /** Threads waiting for room under the backpressure policy. */
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Client> firstConnect = new CompletableFuture<>();
    /** Requests made while reconnecting; loop only. */
    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();

    private volatile Connection current;
    private volatile boolean closed;
    /**
     * Why the client ended by itself (its connection closed for good: first connect failed, the peer closed it with no
     * reconnecting, or reconnecting gave up); null while open and after {@link #close()}. Written before
     * {@link #closed}, so a thread that sees {@code closed} sees it too.
     */
    private volatile ConnectionClosedException endedBy;
    private volatile ConnectionState state;
    /** The largest payload the server accepts, from its last HELLO. */
    private volatile int peerMaxFrameLength;
    private boolean everConnected;
    private int attempts;
    private EventLoop.Timer reconnectTimer;
    /** Whether a reconnect attempt is opening its transport (between its timer and {@link #open} or failure). */
    private boolean attempting;
    private EventLoop.Timer sweepTimer;

    private CoreClient(Endpoint endpoint, ClientOptions options, TransportProvider transport, EventLoop loop,
                       SecurityMechanism security, CompressionProvider[] compressors, MetricsProvider metrics) {
        this.endpoint = endpoint;
        this.options = options;
        this.transport = transport;
        this.settings = Settings.forClient(options, security, compressors);
        this.loop = loop;
        this.policy = options.reconnect();
        this.metrics = metrics;
    }

    /**
     * Starts connecting a client. The client counts as open for {@code metrics} from here ({@link ClientMetrics});
     * if it fails before it exists, that is undone here, and otherwise when it ends.
     */
    static CompletableFuture<Client> connect(Endpoint endpoint, ClientOptions options, TransportProvider transport,
                                             SecurityMechanism security, CompressionProvider[] compressors,
                                             MetricsProvider metrics) {
        try {
            ClientMetrics.opened(metrics);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new NetprotoException("metrics provider '" + metrics.name()
                + "' failed to register the client counters: " + e, e));
        }
        SocketChannel channel;
        try {
            channel = transport.connect(endpoint, options.transport());
        } catch (IOException | RuntimeException e) {
            releaseMetrics(metrics, endpoint);
            return CompletableFuture.failedFuture(new ConnectionClosedException(ErrorCode.TRANSPORT_ERROR,
                "connect to " + endpoint + " failed: " + e, e));
        }
        EventLoop loop = ClientLoops.group().next();
        CoreClient client = new CoreClient(endpoint, options, transport, loop, security, compressors, metrics);
        try {
            loop.execute(() -> client.open(channel, "connecting to " + endpoint));
        } catch (OverloadedException e) {
            closeQuietly(channel);
            client.releaseMetrics();
            return CompletableFuture.failedFuture(e);
        }
        return client.firstConnect;
    }

    // ---------------------------------------------------------------- public API (any thread)

    @Override
    public CompletableFuture<Message> request(String route, ByteBuffer body, boolean compress) {
        Objects.requireNonNull(body, "body");
        byte[] name = routeBytes(route);
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        checkSize("request", route, 1 + name.length + body.remaining());
        long deadline = settings.requestTimeoutNs() > 0 ? settings.clock().nanoTime() + settings.requestTimeoutNs()
            : 0;
        if (loop.inEventLoop()) {
            // The body is the caller's again once sent; keep a copy only if a NOT_PROCESSED may make us send it again.
            PendingRequest p = new PendingRequest(this, name, route, policy.enabled() ? copyOf(body) : null, deadline,
                compress);
            submit(p, body);
            return p;
        }
        OverloadedException full = awaitRoom();
        if (full != null) {
            return CompletableFuture.failedFuture(full);
        }
        byte[] copy = copyOf(body);
        PendingRequest p = new PendingRequest(this, name, route, copy, deadline, compress);
        handoffBytes.addAndGet(copy.length);
        try {
            loop.execute(p);
        } catch (OverloadedException e) {
            handoffBytes.addAndGet(-copy.length);
            p.completeExceptionally(e);
        }
        return p;
    }

    @Override
    public boolean send(String route, ByteBuffer body) {
        Objects.requireNonNull(body, "body");
        byte[] name = routeBytes(route);
        if (!isOpen()) {
            return false;
        }
        checkSize("message", route, 1 + name.length + body.remaining());
        if (loop.inEventLoop()) {
            return current.sendMessage(name, body);
        }
        if (awaitRoom() != null) {
            return false;
        }
        byte[] copy = new byte[body.remaining()];
        body.get(body.position(), copy);
        handoffBytes.addAndGet(copy.length);
        try {
            loop.execute(() -> {
                handedOff(copy.length);
                Connection c = current;
                if (c != null) {
                    c.sendMessage(name, ByteBuffer.wrap(copy));
                }
            });
            return true;
        } catch (OverloadedException e) {
            handoffBytes.addAndGet(-copy.length);
            return false;
        }
    }

    @Override
    public boolean isOpen() {
        Connection c = current;
        return !closed && c != null && c.isOpen() && !c.isDraining();
    }

    @Override
    public MetricsSource metrics() {
        return ClientLoops.group().metrics();
    }

    @Override
    public Endpoint remote() {
        return endpoint;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseMetrics();
        wakeWaiters();
        Runnable task = this::closeOnLoop;
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        // close() must not fail: while the loop's queue is full, wait briefly and offer again.
        while (!loop.isTerminated()) {
            try {
                loop.execute(task);
                return;
            } catch (OverloadedException e) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    @Override
    public String toString() {
        return "Client[" + endpoint + ", " + state + "]";
    }

    // ---------------------------------------------------------------- loop side

    /** Opens a connection on an already connecting channel. Loop thread. */
    private void open(SocketChannel channel, String detail) {
        attempting = false;
        if (closed) {
            closeQuietly(channel);
            return;
        }
        SSLEngine engine = null;
        if (transport.usesTls()) {
            try {
                engine = settings.security().tlsEngines().newEngine(endpoint.host(), endpoint.port());
            } catch (RuntimeException e) {
                closeQuietly(channel);
                LOG.warn("client of {}: cannot create a TLS engine: {}", endpoint, e.toString());
                if (everConnected) {
                    onAttemptFailed(e);
                } else {
                    ConnectionClosedException failure = new ConnectionClosedException(ErrorCode.HANDSHAKE_FAILED,
                        "cannot create a TLS engine for " + endpoint + ": " + e.getMessage(), e);
                    endFor(failure);
                    setState(ConnectionState.CLOSED, failure.getMessage());
                    firstConnect.completeExceptionally(failure);
                }
                return;
            }
        }
        Connection connection = new Connection(loop, channel, this, settings, endpoint, endpoint.scheme(), engine);
        current = connection;
        // Reported after the connection exists: its timeouts count from now.
        setState(ConnectionState.CONNECTING, detail);
        connection.startClient();
    }

    /** A request handed over from another thread. */
    void onHandedOff(PendingRequest p) {
        handedOff(p.body.length);
        submit(p, ByteBuffer.wrap(p.body));
    }

    private void handedOff(int bytes) {
        handoffBytes.addAndGet(-bytes);
        if (!waiters.isEmpty()) {
            wakeWaiters();
        }
    }

    /** Sends a request on the current connection, or queues it while reconnecting, or fails it. Loop thread. */
    private void submit(PendingRequest p, ByteBuffer body) {
        if (p.isDone()) {
            return;
        }
        Connection c = current;
        if (!closed && c != null && c.isOpen() && !c.isDraining()) {
            c.sendRequest(p, body);
            return;
        }
        if (!closed && policy.enabled() && state != ConnectionState.CLOSED) {
            if (queue.size() >= policy.queueLimit()) {
                p.completeExceptionally(policy.queueLimit() == 0
                    ? new ConnectionClosedException(ErrorCode.TRANSPORT_ERROR, "not connected to " + endpoint
                        + " (reconnecting); requests are not queued")
                    : new OverloadedException("reconnect queue to " + endpoint + " is full ("
                        + policy.queueLimit() + " requests)"));
                return;
            }
            if (p.body == null) {
                p.body = copyOf(body);
            }
            queue.add(p);
            scheduleSweep();
            return;
        }
        p.completeExceptionally(c != null && !closed ? c.notOpen() : closedException());
    }

    /**
     * Whether a request answered NOT_PROCESSED goes out again rather than failing: it was not processed, so sending
     * it again is always safe, but only a client that reconnects has another connection to send it on (and kept its
     * body for that), only {@link #MAX_RESENDS} times, and only if the reconnect queue has room for it (else the
     * caller learns NOT_PROCESSED, which says more than a full or disabled queue would). Loop thread.
     */
    boolean canResend(PendingRequest p) {
        return policy.enabled() && !closed && p.body != null && p.resends < MAX_RESENDS
            && queue.size() < policy.queueLimit();
    }

    /**
     * Sends again a request answered NOT_PROCESSED: on the current connection if it takes requests, else queued
     * for the next like any request made while reconnecting (same queue limit; its deadline is unchanged, so it
     * still fails by its original timeout). Loop thread.
     */
    void resend(PendingRequest p) {
        p.resends++;
        loop.counters().increment(LoopCounters.REQUESTS_RESENT);
        submit(p, ByteBuffer.wrap(p.body));
    }

    void onConnected(Connection c) {
        if (c != current) {
            return;
        }
        everConnected = true;
        attempts = 0;
        peerMaxFrameLength = c.peerMaxFrameLength();
        setState(ConnectionState.CONNECTED, "connected to " + endpoint);
        firstConnect.complete(this);
        while (!queue.isEmpty() && c.isOpen()) {
            PendingRequest p = queue.poll();
            if (!p.isDone()) {
                c.sendRequest(p, ByteBuffer.wrap(p.body));
            }
        }
    }

    void onGoAway(Connection c) {
        if (c != current || closed) {
            return;
        }
        if (policy.enabled()) {
            // The old connection finishes its in-flight requests and closes itself; new ones wait for the next.
            setState(ConnectionState.DISCONNECTED, "server sent GOAWAY");
            scheduleReconnect();
        }
    }

    void onConnectionClosed(Connection c, ConnectionClosedException cause) {
        if (c != current) {
            return;
        }
        wakeWaiters();
        if (!everConnected) {
            endFor(cause);
            setState(ConnectionState.CLOSED, cause.getMessage());
            firstConnect.completeExceptionally(cause);
            return;
        }
        if (closed) {
            setState(ConnectionState.CLOSED, "closed by the client");
            return;
        }
        if (policy.enabled()) {
            if (state != ConnectionState.DISCONNECTED) {
                setState(ConnectionState.DISCONNECTED, cause.getMessage());
            }
            // After GOAWAY the reconnect is under way already; a second one would open a connection left behind.
            if (reconnectTimer == null && !attempting) {
                scheduleReconnect();
            }
            return;
        }
        endFor(cause);
        setState(ConnectionState.CLOSED, cause.getMessage());
        failQueue(cause);
    }

    void onWritable() {
        wakeWaiters();
    }

    private void scheduleReconnect() {
        attempts++;
        if (attempts > policy.maxAttempts()) {
            ConnectionClosedException e = new ConnectionClosedException(ErrorCode.TRANSPORT_ERROR,
                "gave up reconnecting to " + endpoint + " after " + policy.maxAttempts() + " attempts");
            endFor(e);
            LOG.warn("{}", e.getMessage());
            setState(ConnectionState.CLOSED, e.getMessage());
            failQueue(e);
            return;
        }
        // Full jitter: uniform in [0, ceiling], so that many clients that lost one server do not return in step.
        long delay = ThreadLocalRandom.current().nextLong(policy.ceilingNanos(attempts) + 1);
        reconnectTimer = loop.schedule(delay, this::attemptReconnect);
    }

    private void attemptReconnect() {
        reconnectTimer = null;
        if (closed) {
            return;
        }
        int attempt = attempts;
        attempting = true;
        setState(ConnectionState.CONNECTING, "reconnect attempt " + attempt + " to " + endpoint);
        // Resolving and opening may block (DNS), so it happens on a virtual thread, never on the loop.
        Thread.ofVirtual().name("netproto-reconnect").start(() -> {
            try {
                SocketChannel channel = transport.connect(endpoint, options.transport());
                execute(() -> open(channel, "reconnect attempt " + attempt), () -> closeQuietly(channel));
            } catch (IOException | RuntimeException e) {
                execute(() -> onAttemptFailed(e), () -> { });
            }
        });
    }

    private void execute(Runnable task, Runnable onRefused) {
        try {
            loop.execute(task);
        } catch (OverloadedException e) {
            LOG.warn("client of {}: loop refused a reconnect step: {}", endpoint, e.getMessage());
            onRefused.run();
        }
    }

    private void onAttemptFailed(Exception e) {
        attempting = false;
        if (closed) {
            return;
        }
        setState(ConnectionState.DISCONNECTED, "reconnect attempt " + attempts + " failed: " + e);
        scheduleReconnect();
    }

    private void scheduleSweep() {
        if (sweepTimer == null && settings.requestTimeoutNs() > 0) {
            sweepTimer = loop.schedule(QUEUE_SWEEP_NS, this::sweepQueue);
        }
    }

    /** Fails queued requests whose timeout passed while waiting for a connection. */
    private void sweepQueue() {
        sweepTimer = null;
        long now = settings.clock().nanoTime();
        while (!queue.isEmpty() && (queue.peek().isDone() || now - queue.peek().deadlineNs >= 0)) {
            PendingRequest p = queue.poll();
            p.completeExceptionally(new RequestTimeoutException(p + " to " + endpoint + " waited "
                + TimeUnit.NANOSECONDS.toMillis(settings.requestTimeoutNs()) + " ms for a connection"));
        }
        if (!queue.isEmpty()) {
            scheduleSweep();
        }
    }

    private void closeOnLoop() {
        if (reconnectTimer != null) {
            reconnectTimer.cancel();
            reconnectTimer = null;
        }
        failQueue(closedException());
        Connection c = current;
        if (c == null || !c.closeGracefullyIfOpen(ErrorCode.NORMAL, "closed by the client")) {
            setState(ConnectionState.CLOSED, "closed by the client");
        }
    }

    private void failQueue(Exception cause) {
        while (!queue.isEmpty()) {
            queue.poll().completeExceptionally(cause);
        }
    }

    private void setState(ConnectionState next, String detail) {
        if (state == ConnectionState.CLOSED || state == next) {
            return;
        }
        state = next;
        LOG.debug("client of {}: {} ({})", endpoint, next, detail);
        if (options.stateListener() != null) {
            try {
                options.stateListener().onStateChange(next, detail);
            } catch (RuntimeException e) {
                LOG.warn("client of {}: state listener failed", endpoint, e);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Waits for room under the backpressure policy; returns the refusal, or null when there is room. */
    private OverloadedException awaitRoom() {
        if (hasRoom()) {
            return null;
        }
        long waitNs = options.backpressureWait().toNanos();
        long start = System.nanoTime();
        if (waitNs > 0) {
            long deadline = start + waitNs;
            Thread self = Thread.currentThread();
            waiters.add(self);
            try {
                // Room seen once is room to send: checking again after the loop could see the output refilled by
                // requests handed off earlier, and refuse a caller that did get room (and was woken for it).
                while (true) {
                    if (hasRoom()) {
                        return null;
                    }
                    long left = deadline - System.nanoTime();
                    if (closed || self.isInterrupted() || left <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                }
            } finally {
                waiters.remove(self);
            }
        }
        return new OverloadedException("output to " + endpoint + " is above its high watermark of "
            + settings.highWatermark() + " bytes" + (waitNs > 0 ? " after waiting "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms" : "") + "; not sent");
    }

    private boolean hasRoom() {
        Connection c = current;
        return (c == null || c.isWritable()) && handoffBytes.get() < settings.highWatermark();
    }

    private void wakeWaiters() {
        for (Thread t : waiters) {
            LockSupport.unpark(t);
        }
    }

    private void checkSize(String what, String route, int payloadLength) {
        int max = peerMaxFrameLength;
        if (payloadLength > max) {
            throw new IllegalArgumentException(what + " of " + payloadLength + " bytes to route '" + route
                + "' exceeds the server's maximum frame length of " + max);
        }
    }

    /** Marks the client ended by itself, for the reason given; requests made from now on fail with its code. */
    private void endFor(ConnectionClosedException cause) {
        endedBy = cause;
        closed = true;
        releaseMetrics();
    }

    /** Tells {@link ClientMetrics} that this client is no longer open, the first time it is called. */
    private void releaseMetrics() {
        if (metricsReleased.compareAndSet(false, true)) {
            releaseMetrics(metrics, endpoint);
        }
    }

    /** Releases the provider; a provider that fails is logged, so that it cannot fail a close. */
    private static void releaseMetrics(MetricsProvider metrics, Endpoint endpoint) {
        try {
            ClientMetrics.closed(metrics);
        } catch (RuntimeException e) {
            LOG.warn("client of {}: metrics provider '{}' failed to unregister the client counters", endpoint,
                metrics.name(), e);
        }
    }

    /**
     * The failure of a request made once the client is closed: NORMAL if the application closed it, else the code
     * and reason its connection ended with (a request that just missed the connection's end must not read as a
     * normal close).
     */
    private ConnectionClosedException closedException() {
        ConnectionClosedException cause = endedBy;
        if (cause == null) {
            return new ConnectionClosedException(ErrorCode.NORMAL, "client of " + endpoint + " is closed");
        }
        return new ConnectionClosedException(cause.code(), "client of " + endpoint + " is closed: "
            + cause.getMessage(), cause);
    }

    private byte[] routeBytes(String route) {
        byte[] name = routes.get(Objects.requireNonNull(route, "route"));
        if (name == null) {
            try {
                name = RouteConfig.checkName(route);
            } catch (ConfigurationException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (routes.size() < ROUTE_CACHE_LIMIT) {
                routes.put(route, name);
            }
        }
        return name;
    }

    private static byte[] copyOf(ByteBuffer body) {
        byte[] copy = new byte[body.remaining()];
        body.get(body.position(), copy);
        return copy;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignore) {
            // The channel was never registered; nothing else holds it.
        }
    }
}
