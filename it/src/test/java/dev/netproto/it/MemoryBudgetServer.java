package dev.netproto.it;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import dev.netproto.api.spi.MetricsSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An echo server for {@link MemoryBudgetTest}, run in its own JVM under a small direct-memory limit and the default
 * memory budget: prints the port it listens on, answers each {@code stats} line on its standard input with one line
 * of its metrics ({@code stats#N name=value ... end}) and each {@code await NAME} line with {@code awaited NAME} once
 * that metric is above zero, and stops when its standard input ends.
 */
final class MemoryBudgetServer {
    private MemoryBudgetServer() {
    }

    public static void main(String[] args) throws IOException {
        try (Server server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(2)
            .route("echo", (m, r) -> r.send(m.body())).start()) {
            System.out.println("port " + server.endpoints().get(0).port());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int n = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("stats")) {
                    System.out.println(stats(++n, server.metrics()));
                    System.out.flush();
                } else if (line.startsWith("await ")) {
                    String name = line.substring("await ".length());
                    Thread.ofPlatform().daemon().start(() -> awaitPositive(server.metrics(), name));
                }
            }
            server.close(Duration.ofSeconds(1));
        }
    }

    /** Prints {@code awaited NAME} once the metric is above zero, polling it (at most a minute). */
    private static void awaitPositive(MetricsSource metrics, String name) {
        Metric metric = null;
        for (Metric m : Metric.values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(name)) {
                metric = m;
            }
        }
        if (metric == null) {
            System.out.println("no metric " + name);
            System.out.flush();
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (metrics.read(metric) <= 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        System.out.println("awaited " + name);
        System.out.flush();
    }

    private static String stats(int n, MetricsSource metrics) {
        StringBuilder sb = new StringBuilder("stats#").append(n);
        for (Metric m : Metric.values()) {
            sb.append(' ').append(m.name().toLowerCase(Locale.ROOT)).append('=').append(metrics.read(m));
        }
        for (ErrorCode code : ErrorCode.values()) {
            sb.append(" error_").append(code.name().toLowerCase(Locale.ROOT)).append('=').append(metrics.errors(code));
        }
        return sb.append(" end").toString();
    }
}
