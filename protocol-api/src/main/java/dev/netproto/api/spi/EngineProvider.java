package dev.netproto.api.spi;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Server;
import dev.netproto.api.ServerConfig;
import java.util.concurrent.CompletableFuture;

/**
 * The implementation behind {@link Server#builder()} and {@link Client#connect(String, ClientOptions)}. The API
 * module carries no implementation; {@code dev.netproto.core} provides this. Applications do not call it.
 */
public interface EngineProvider {

    /**
     * Starts a server.
     *
     * @param config the validated configuration
     * @return the running server
     */
    Server startServer(ServerConfig config);

    /**
     * Connects a client and completes HELLO.
     *
     * @param endpoint the server
     * @param options  the client options
     * @return the connected client, or the failure
     */
    CompletableFuture<Client> connect(Endpoint endpoint, ClientOptions options);
}
