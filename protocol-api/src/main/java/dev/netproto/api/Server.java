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
     * Stops accepting, tells every connected peer with a CLOSE frame, fails what is in flight, and releases every
     * thread, socket and buffer. Returns once all event loops have stopped.
     */
    @Override
    void close();
}
