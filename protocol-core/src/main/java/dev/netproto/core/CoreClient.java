package dev.netproto.core;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.RouteConfig;
import dev.netproto.api.spi.TransportProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The client side of one connection. Thread-safe: calls on the connection's loop write directly; calls from
 * other threads copy the body and hand the work to the loop.
 */
final class CoreClient implements Client {
    /** Route names cached as UTF-8, up to this many, so that a request allocates no encoded name. */
    static final int ROUTE_CACHE_LIMIT = 1024;

    private final Endpoint endpoint;
    private final Connection connection;
    private final ConcurrentHashMap<String, byte[]> routes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private CoreClient(Endpoint endpoint, Connection connection) {
        this.endpoint = endpoint;
        this.connection = connection;
    }

    static CompletableFuture<Client> connect(Endpoint endpoint, ClientOptions options, TransportProvider transport) {
        SocketChannel channel;
        try {
            channel = transport.connect(endpoint, options.transport());
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new ConnectionClosedException(ErrorCode.TRANSPORT_ERROR,
                "connect to " + endpoint + " failed: " + e, e));
        }
        EventLoop loop = ClientLoops.group().next();
        Settings settings = new Settings(RouteTable.EMPTY, null, null, options.security(), options.maxFrameLength(),
            options.connectTimeout().toNanos());
        Connection connection = new Connection(loop, channel, true, settings, endpoint.toString());
        CoreClient client = new CoreClient(endpoint, connection);
        CompletableFuture<Client> ready = new CompletableFuture<>();
        try {
            loop.execute(() -> connection.startClient(client, ready));
        } catch (OverloadedException e) {
            try {
                channel.close();
            } catch (IOException ignore) {
                // The channel was never registered; nothing else holds it.
            }
            return CompletableFuture.failedFuture(e);
        }
        return ready;
    }

    @Override
    public CompletableFuture<Message> request(String route, ByteBuffer body) {
        Objects.requireNonNull(body, "body");
        byte[] name = routeBytes(route);
        if (closed) {
            return CompletableFuture.failedFuture(connection.notOpen());
        }
        int payloadLength = 1 + name.length + body.remaining();
        if (payloadLength > connection.peerMaxFrameLength()) {
            throw new IllegalArgumentException("request of " + payloadLength + " bytes to route '" + route
                + "' exceeds the server's maximum frame length of " + connection.peerMaxFrameLength());
        }
        if (connection.loop().inEventLoop()) {
            PendingRequest p = new PendingRequest(connection, name, route, null);
            connection.sendRequest(p, body);
            return p;
        }
        byte[] copy = new byte[body.remaining()];
        body.get(body.position(), copy);
        PendingRequest p = new PendingRequest(connection, name, route, copy);
        try {
            connection.loop().execute(p);
        } catch (OverloadedException e) {
            p.completeExceptionally(e);
        }
        return p;
    }

    @Override
    public boolean send(String route, ByteBuffer body) {
        Objects.requireNonNull(body, "body");
        byte[] name = routeBytes(route);
        if (closed || !connection.isOpen()) {
            return false;
        }
        int payloadLength = 1 + name.length + body.remaining();
        if (payloadLength > connection.peerMaxFrameLength()) {
            throw new IllegalArgumentException("message of " + payloadLength + " bytes to route '" + route
                + "' exceeds the server's maximum frame length of " + connection.peerMaxFrameLength());
        }
        if (connection.loop().inEventLoop()) {
            return connection.sendMessage(name, body);
        }
        byte[] copy = new byte[body.remaining()];
        body.get(body.position(), copy);
        try {
            connection.loop().execute(() -> connection.sendMessage(name, ByteBuffer.wrap(copy)));
            return true;
        } catch (OverloadedException e) {
            return false;
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && connection.isOpen();
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
        EventLoop loop = connection.loop();
        Runnable task = () -> connection.closeGracefully(ErrorCode.NORMAL, "closed by the client");
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
        return "Client[" + connection + "]";
    }

    private byte[] routeBytes(String route) {
        byte[] name = routes.get(Objects.requireNonNull(route, "route"));
        if (name == null) {
            try {
                name = RouteConfig.checkName(route);
            } catch (dev.netproto.api.ConfigurationException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (routes.size() < ROUTE_CACHE_LIMIT) {
                routes.put(route, name);
            }
        }
        return name;
    }
}
