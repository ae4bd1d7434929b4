package dev.netproto.api;

import dev.netproto.api.spi.MetricsSource;
import java.util.List;

/**
 * A running server: it accepts connections on its endpoints and dispatches their messages to routes.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public interface Server extends AutoCloseable {

    /**
     * Starts configuring a server.
     *
     * @return a new builder
     */
    static ServerBuilder builder() {
        return new ServerBuilder();
    }

    /**
     * Returns the endpoints the server is bound to, with the ports the system chose where port 0 was asked for.
     *
     * @return the bound endpoints, in the order they were configured
     */
    List<Endpoint> endpoints();

    /**
     * Returns the server's counters: connections, frames, bytes and errors by code.
     *
     * @return a live view, safe to read from any thread
     */
    MetricsSource metrics();

    /**
     * Shuts down gracefully: stops accepting, sends GOAWAY on every connection, lets requests already received
     * finish within the grace period (requests that arrive after GOAWAY are answered with
     * {@link ErrorCode#NOT_PROCESSED}, so clients may retry them elsewhere), then closes what is left with CLOSE
     * and releases every thread, socket and buffer. Returns once all event loops have stopped. Idempotent.
     *
     * @param grace how long in-flight requests get to finish
     */
    void close(java.time.Duration grace);

    /** Shuts down gracefully with a grace period of 5 seconds; see {@link #close(java.time.Duration)}. */
    @Override
    default void close() {
        close(java.time.Duration.ofSeconds(5));
    }
}
