package dev.netproto.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The validated, immutable configuration of a server. Build it with {@link Server#builder()}.
 *
 * @param listen           where to listen; at least one endpoint
 * @param routes           the routes by name
 * @param eventLoops       how many event-loop threads serve connections
 * @param maxFrameLength   the largest frame payload this server accepts, in bytes
 * @param security         the security mechanism and its settings
 * @param metrics          the metrics provider's name, such as {@code noop}
 * @param transport        socket options
 * @param blockingExecutor runs blocking handlers; {@code null} for a virtual thread per message
 * @param errorListener    told about connections that end with an error; {@code null} for none
 * @param connection       limits and timeouts of every connection
 * @param maxConnections   connections served at once; more are told {@link ErrorCode#TOO_MANY_CONNECTIONS} and
 *                         closed
 * @param clock            the time source of timeouts and heartbeats
 * @param compression      compression algorithms this server accepts; {@code null} for every one found
 * @param idleSpin         how long an event loop with nothing to do polls its sockets and task queue before it
 *                         blocks in {@code select}; zero (the default) blocks at once. See
 *                         {@link ServerBuilder#idleSpin(java.time.Duration)}
 * @param admission        how new connections are admitted: the budget of connections still in HELLO and the
 *                         limits per source
 * @param memoryBudget     the most direct memory, in bytes, the server's buffers may hold at once (read, spill,
 *                         decompression and output buffers, in use or kept for reuse); 0 (the default) for three
 *                         quarters of the JVM's direct-memory limit. Near it the server stops reading from the
 *                         connections that hold the most and refuses large buffers, rather than run out of direct
 *                         memory and fail whichever connection allocates next. See
 *                         {@link ServerBuilder#memoryBudget(long)}
 */
public record ServerConfig(List<Endpoint> listen, Map<String, RouteConfig> routes, int eventLoops,
                           int maxFrameLength, Security security, String metrics, TransportOptions transport,
                           Executor blockingExecutor, ConnectionErrorListener errorListener,
                           ConnectionOptions connection, int maxConnections, NanoClock clock,
                           List<String> compression, Duration idleSpin, AdmissionOptions admission,
                           long memoryBudget) {

    /**
     * Copies the collections so that the configuration cannot change after it is built.
     *
     * @param listen           where to listen
     * @param routes           the routes
     * @param eventLoops       event-loop threads
     * @param maxFrameLength   largest accepted payload
     * @param security         security mechanism
     * @param metrics          metrics provider name
     * @param transport        socket options
     * @param blockingExecutor executor for blocking handlers, or {@code null}
     * @param errorListener    error listener, or {@code null}
     * @param connection       connection limits and timeouts
     * @param maxConnections   connection limit
     * @param clock            time source
     * @param compression      accepted compression algorithms, or {@code null} for every one found
     * @param idleSpin         busy-poll time before blocking, zero for none; {@code null} means zero
     * @param admission        admission limits; {@code null} means {@link AdmissionOptions#defaults()}
     * @param memoryBudget     direct-memory budget in bytes, 0 for the default
     */
    public ServerConfig {
        listen = List.copyOf(listen);
        routes = Map.copyOf(routes);
        compression = compression == null ? null : List.copyOf(compression);
        idleSpin = idleSpin == null ? Duration.ZERO : idleSpin;
        admission = admission == null ? AdmissionOptions.defaults() : admission;
    }
}
