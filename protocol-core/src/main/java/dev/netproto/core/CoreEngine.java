package dev.netproto.core;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Server;
import dev.netproto.api.ServerConfig;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.EngineProvider;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.TransportProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The engine behind {@link Server#builder()} and {@link Client#connect(String, ClientOptions)}, found by the API
 * module with {@link java.util.ServiceLoader}. Applications do not use it directly.
 */
public final class CoreEngine implements EngineProvider {
    private static final class Shared {
        static final Providers PROVIDERS = new Providers();
    }

    /** Frees the calling loop thread's provider state; run by each event loop as its thread ends. */
    static void onLoopThreadExit() {
        Shared.PROVIDERS.onLoopThreadExit();
    }

    /** Creates the engine; called by {@link java.util.ServiceLoader}. */
    public CoreEngine() {
    }

    @Override
    public Server startServer(ServerConfig config) {
        return CoreServer.start(config, Shared.PROVIDERS);
    }

    @Override
    public CompletableFuture<Client> connect(Endpoint endpoint, ClientOptions options) {
        Providers providers = Shared.PROVIDERS;
        List<String> problems = new ArrayList<>();
        TransportProvider transport = Providers.require(providers.transports, "uri", "transport scheme",
            endpoint.scheme(), problems);
        SecurityMechanism security = providers.security(options.security(), SecurityRole.CLIENT, List.of(endpoint),
            Arrays.asList(transport), problems);
        CompressionProvider[] compressors = providers.compressors(options.compression(), "compression", problems);
        MetricsProvider metrics = Providers.require(providers.metrics, "metrics", "metrics provider",
            options.metrics(), problems);
        if (!problems.isEmpty()) {
            return CompletableFuture.failedFuture(new ConfigurationException(problems));
        }
        return CoreClient.connect(endpoint, options, transport, security, compressors, metrics);
    }
}
