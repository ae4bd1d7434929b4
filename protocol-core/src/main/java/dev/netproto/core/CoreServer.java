package dev.netproto.core;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.NetprotoException;
import dev.netproto.api.RouteConfig;
import dev.netproto.api.Server;
import dev.netproto.api.ServerConfig;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.MetricsSource;
import dev.netproto.api.spi.TransportProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running server: its loops, listeners and blocking executor. Thread-safe. */
final class CoreServer implements Server {
    private static final Logger LOG = LoggerFactory.getLogger(CoreServer.class);

    private final EventLoopGroup group;
    private final List<Endpoint> endpoints;
    private final MetricsProvider metricsProvider;
    private final ExecutorService ownedExecutor;
    private final ErrorLog errorLog;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CoreServer(EventLoopGroup group, List<Endpoint> endpoints, MetricsProvider metricsProvider,
                       ExecutorService ownedExecutor, ErrorLog errorLog) {
        this.group = group;
        this.errorLog = errorLog;
        this.endpoints = List.copyOf(endpoints);
        this.metricsProvider = metricsProvider;
        this.ownedExecutor = ownedExecutor;
    }

    static CoreServer start(ServerConfig config, Providers providers) {
        List<String> problems = new ArrayList<>();
        List<TransportProvider> transports = new ArrayList<>();
        for (Endpoint endpoint : config.listen()) {
            transports.add(Providers.require(providers.transports, "listen", "transport scheme", endpoint.scheme(),
                problems));
        }
        SecurityMechanism security = providers.security(config.security(), SecurityRole.SERVER, config.listen(),
            transports, problems);
        MetricsProvider metrics = Providers.require(providers.metrics, "metrics", "metrics provider",
            config.metrics(), problems);
        CompressionProvider[] compressors = providers.compressors(config.compression(), "compression", problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        boolean anyBlocking = config.routes().values().stream().anyMatch(RouteConfig::blocking);
        ExecutorService owned = anyBlocking && config.blockingExecutor() == null
            ? Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("netproto-handler-", 0).factory())
            : null;
        MemoryBudget budget = MemoryBudget.forServer(config.memoryBudget());
        Settings settings = Settings.forServer(config, security, new RouteTable(config.routes()),
            owned != null ? owned : config.blockingExecutor(), compressors, budget);
        EventLoopGroup group = new EventLoopGroup("netproto-server", config.eventLoops(), false, System::nanoTime,
            providers::onLoopThreadExit, budget);
        List<ServerSocketChannel> channels = new ArrayList<>();
        List<Endpoint> bound = new ArrayList<>();
        try {
            for (int i = 0; i < config.listen().size(); i++) {
                Endpoint endpoint = config.listen().get(i);
                ServerSocketChannel channel = bind(transports.get(i), endpoint, config);
                channels.add(channel);
                bound.add(boundEndpoint(endpoint, channel));
                Acceptor acceptor = new Acceptor(channel, endpoint, transports.get(i), config.transport(), group,
                    settings);
                register(group.first(), acceptor);
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < channels.size(); i++) {
                try {
                    channels.get(i).close();
                    transports.get(i).unbound(config.listen().get(i));
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            group.shutdown(0);
            if (owned != null) {
                owned.shutdownNow();
            }
            throw e;
        }
        CoreServer server = new CoreServer(group, bound, metrics, owned, settings.errorLog());
        metrics.register(group.metrics());
        LOG.info("listening on {}; {}", bound, budget);
        return server;
    }

    private static ServerSocketChannel bind(TransportProvider transport, Endpoint endpoint, ServerConfig config) {
        try {
            return transport.bind(endpoint, config.transport());
        } catch (IOException | RuntimeException e) {
            throw new NetprotoException("cannot listen on " + endpoint + ": " + e.getMessage(), e);
        }
    }

    private static Endpoint boundEndpoint(Endpoint endpoint, ServerSocketChannel channel) {
        try {
            SocketAddress address = channel.getLocalAddress();
            if (address instanceof InetSocketAddress inet) {
                return new Endpoint(endpoint.scheme(), endpoint.host(), inet.getPort(), "");
            }
            return endpoint;
        } catch (IOException e) {
            throw new NetprotoException("cannot read the bound address of " + endpoint, e);
        }
    }

    private static void register(EventLoop loop, Acceptor acceptor) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                acceptor.register(loop);
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.join();
        } catch (CompletionException e) {
            throw new NetprotoException("cannot register " + acceptor + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    @Override
    public MetricsSource metrics() {
        return group.metrics();
    }

    @Override
    public void close(Duration grace) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("shutting down {}: GOAWAY to every connection, {} ms grace", endpoints, grace.toMillis());
        Throwable failure = group.shutdown(grace.toNanos());
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        metricsProvider.unregister(group.metrics());
        // Summaries of errors still being summed up would otherwise be lost with the loops' timers.
        errorLog.flushAll();
        LOG.info("stopped listening on {}", endpoints);
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Server" + endpoints;
    }
}
