package dev.netproto.daemon;

import dev.netproto.api.Endpoint;
import dev.netproto.api.Message;
import dev.netproto.api.Reply;
import dev.netproto.api.Server;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code np serve}: runs a server with an {@value BenchSpec#ECHO_ROUTE} route until the process receives SIGINT or
 * SIGTERM.
 */
final class ServeCommand {
    /** The flag naming the TOML file. */
    static final String CONFIG_FLAG = "--config";
    /** How long closing may take beyond the configured grace period before the process gives up on it. */
    static final long CLOSE_MARGIN_MS = TimeUnit.SECONDS.toMillis(5);

    private ServeCommand() {
    }

    /**
     * Returns the flags {@code np serve} accepts.
     *
     * @return {@code --config} and one flag per configuration key
     */
    static Set<String> flags() {
        Set<String> flags = new HashSet<>(DaemonConfig.flagNames());
        flags.add(CONFIG_FLAG);
        return flags;
    }

    /**
     * Loads the configuration {@code np serve} would use.
     *
     * @param flags the parsed flags
     * @param env   the environment
     * @return the validated configuration
     * @throws dev.netproto.api.ConfigurationException listing every problem
     */
    static DaemonConfig config(Flags flags, Map<String, String> env) {
        String file = flags.text(CONFIG_FLAG, null);
        return DaemonConfig.load(file == null ? null : Path.of(file), env, flags.asMap());
    }

    /**
     * Starts a server with the configuration and the echo route, as {@code np serve} does.
     *
     * @param config the configuration
     * @return the running server
     */
    static Server start(DaemonConfig config) {
        return config.toBuilder().route(BenchSpec.ECHO_ROUTE, ServeCommand::echo).start();
    }

    /**
     * Answers a request with its own body. Runs on the event loop; copies nothing itself: the reply copies the body
     * before it returns, or, for a request that arrived in a buffer of its own, sends that buffer.
     *
     * @param message the request
     * @param reply   its reply
     */
    static void echo(Message message, Reply reply) {
        reply.send(message.body());
    }

    /**
     * Runs {@code np serve}: starts the server, prints its endpoints and serves until the JVM shuts down. A
     * shutdown hook closes the server; when the shutdown came from a signal rather than from {@code exiting}, the
     * hook ends the process with status 0, since SIGINT and SIGTERM are how a server is meant to be stopped.
     *
     * @param flags   the parsed flags
     * @param env     the environment
     * @param out     where the endpoints are printed
     * @param err     where shutdown is reported
     * @param exiting set by the caller before it exits the JVM itself
     * @return only if the waiting thread is interrupted: 1
     */
    static int run(Flags flags, Map<String, String> env, PrintStream out, PrintStream err, AtomicBoolean exiting) {
        DaemonConfig config = config(flags, env);
        Server server = start(config);
        List<Endpoint> endpoints = server.endpoints();
        for (Endpoint endpoint : endpoints) {
            out.println("listening on " + endpoint);
        }
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> onShutdown(server, config.shutdownGrace(), err,
            exiting), "np-shutdown"));
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 1;
    }

    private static void onShutdown(Server server, java.time.Duration grace, PrintStream err,
                                   AtomicBoolean exiting) {
        long limitMs = grace.toMillis() + CLOSE_MARGIN_MS;
        // Closed on its own thread so that a close that hangs cannot hang the shutdown forever.
        // Graceful: GOAWAY to every client, in-flight requests get the grace period, then CLOSE.
        Thread closer = new Thread(() -> server.close(grace), "np-close");
        closer.start();
        boolean closed;
        try {
            closer.join(limitMs);
            closed = !closer.isAlive();
        } catch (InterruptedException ignore) {
            Thread.currentThread().interrupt();
            closed = false;
        }
        if (exiting.get()) {
            return;
        }
        err.println(closed ? "np serve: stopped" : "np serve: the server did not close within " + limitMs + " ms");
        err.flush();
        System.out.flush();
        // The JVM would exit with 128 + the signal number; halt is the only way to choose the status from a hook.
        Runtime.getRuntime().halt(closed ? 0 : 1);
    }
}
