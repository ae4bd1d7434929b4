package dev.netproto.core;

import dev.netproto.api.Client;
import dev.netproto.api.Endpoint;
import dev.netproto.api.spi.PoolProvider;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The default pool provider: no pooling. Each acquire opens a new connection and each release closes it, so code
 * written against {@link PoolProvider} works before a real pool is configured.
 */
public final class UnpooledPoolProvider implements PoolProvider {
    /** The name configuration uses. */
    public static final String NAME = "unpooled";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public UnpooledPoolProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ConnectionPool create(Function<Endpoint, CompletableFuture<Client>> connector) {
        return new Unpooled(Objects.requireNonNull(connector, "connector"));
    }

    /** Opens per acquire, closes per release; remembers what is out so that close() closes it. */
    private static final class Unpooled implements ConnectionPool {
        private final Function<Endpoint, CompletableFuture<Client>> connector;
        private final Set<Client> open = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        Unpooled(Function<Endpoint, CompletableFuture<Client>> connector) {
            this.connector = connector;
        }

        @Override
        public CompletableFuture<Client> acquire(Endpoint endpoint) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("pool is closed"));
            }
            return connector.apply(endpoint).thenApply(client -> {
                open.add(client);
                if (closed) {
                    release(client);
                    throw new IllegalStateException("pool closed while connecting to " + endpoint);
                }
                return client;
            });
        }

        @Override
        public void release(Client client) {
            open.remove(client);
            client.close();
        }

        @Override
        public void close() {
            closed = true;
            for (Client client : open) {
                release(client);
            }
        }
    }
}
