package dev.netproto.api.spi;

import dev.netproto.api.Client;
import dev.netproto.api.Endpoint;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Creates connection pools, selected by {@link #name()}. The core ships {@code unpooled}, which opens a
 * connection per acquire and closes it on release; the pool module provides real pooling.
 */
public interface PoolProvider {

    /**
     * Returns the name configuration uses for this provider.
     *
     * @return a short lower-case name
     */
    String name();

    /**
     * Creates a pool that opens its connections with the given connector.
     *
     * @param connector opens a new connection to an endpoint
     * @return a new pool
     */
    ConnectionPool create(Function<Endpoint, CompletableFuture<Client>> connector);

    /**
     * Hands out connections to endpoints and takes them back. Thread-safe.
     */
    interface ConnectionPool extends AutoCloseable {

        /**
         * Returns a connection to the endpoint, opening one if the pool has none free.
         *
         * @param endpoint the server
         * @return the connection, or the failure to open one
         */
        CompletableFuture<Client> acquire(Endpoint endpoint);

        /**
         * Gives a connection back to the pool, which may keep or close it.
         *
         * @param client a connection acquired from this pool
         */
        void release(Client client);

        /** Closes every connection the pool holds. Idempotent. */
        @Override
        void close();
    }
}
