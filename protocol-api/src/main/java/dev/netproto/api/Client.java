package dev.netproto.api;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One connection to a server, over which many requests may be in flight at once; responses may arrive in any
 * order and are matched to their requests by id.
 *
 * <p><b>Threading.</b> Every method may be called from any thread. Calls from the connection's own event loop
 * (for example inside a future's callback) take a shorter path with no hand-off. Futures complete on the event
 * loop: dependent actions that block must use the {@code ...Async} variants of {@link CompletableFuture}.
 *
 * <p><b>Nothing is lost silently.</b> Every returned future completes: with the response, with a
 * {@link RemoteException} if the peer answered with an error, with an {@link OverloadedException} if a limit
 * refused it, or with a {@link ConnectionClosedException} if the connection ended first.
 */
public interface Client extends AutoCloseable {

    /**
     * Connects and completes the HELLO exchange, waiting at most the options' connect timeout.
     *
     * @param uri     the server, such as {@code tcp://127.0.0.1:7700}
     * @param options the client options
     * @return a connected client
     * @throws NetprotoException if connecting or negotiating fails; {@link ConfigurationException} for a bad URI
     *                           or an unknown provider
     */
    static Client connect(String uri, ClientOptions options) {
        try {
            return connectAsync(uri, options).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof NetprotoException ne) {
                throw ne;
            }
            throw new NetprotoException("connect to " + uri + " failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Connects without blocking the caller.
     *
     * @param uri     the server
     * @param options the client options
     * @return a future completed with the connected client, or with the failure
     */
    static CompletableFuture<Client> connectAsync(String uri, ClientOptions options) {
        return Engines.engine().connect(Endpoint.parse(uri), options);
    }

    /**
     * Sends a request and returns its response. The body is copied before this returns; it is compressed when
     * compression was negotiated and it is worth it.
     *
     * @param route the route on the server
     * @param body  the body, from position to limit; the position is not changed
     * @return a future completed with an owned response message, or exceptionally (see the class description)
     */
    default CompletableFuture<Message> request(String route, ByteBuffer body) {
        return request(route, body, true);
    }

    /**
     * Sends a request, saying whether its body may be compressed. Pass {@code false} for a body that mixes secrets
     * with data an attacker controls: compressing them together leaks the secret through the compressed length
     * (CRIME/BREACH); see docs/SECURITY.md.
     *
     * @param route    the route on the server
     * @param body     the body, from position to limit; the position is not changed
     * @param compress whether the body may be compressed, when compression was negotiated
     * @return as {@link #request(String, ByteBuffer)}
     */
    CompletableFuture<Message> request(String route, ByteBuffer body, boolean compress);

    /**
     * Sends a request with an array body.
     *
     * @param route the route on the server
     * @param body  the body
     * @return as {@link #request(String, ByteBuffer)}
     */
    default CompletableFuture<Message> request(String route, byte[] body) {
        return request(route, ByteBuffer.wrap(body));
    }

    /**
     * Sends a one-way message (at most once: there is no acknowledgement). The body is copied before this returns.
     *
     * @param route the route on the server
     * @param body  the body, from position to limit; the position is not changed
     * @return {@code true} if the message was queued for sending; {@code false} if the connection is closed or
     *     a queue was full
     */
    boolean send(String route, ByteBuffer body);

    /**
     * Tells whether the connection is open.
     *
     * @return {@code false} once closed by either side
     */
    boolean isOpen();

    /**
     * Returns the counters of the event loops this client runs on. Clients in one process share their loops, so
     * these are the counters of every client in the process (frames, bytes, timeouts, late responses, errors).
     * The metrics provider named by {@link ClientOptions.Builder#metrics(String)} publishes this same source, of
     * scope {@code client}, while the client is open.
     *
     * @return a live view, safe to read from any thread
     */
    dev.netproto.api.spi.MetricsSource metrics();

    /**
     * Returns the server this client is connected to.
     *
     * @return the remote endpoint as given to connect
     */
    Endpoint remote();

    /**
     * Closes the connection: sends CLOSE, fails requests still in flight with {@link ConnectionClosedException}.
     * Idempotent; returns without waiting for the peer.
     */
    @Override
    void close();
}
