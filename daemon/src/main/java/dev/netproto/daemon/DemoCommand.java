package dev.netproto.daemon;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.Server;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code np demo}: starts a server in this process on a free loopback port, runs two short benchmarks against it
 * (one connection with one request in flight, then 16 connections with 16 each), prints a table and closes
 * everything. Takes about ten seconds.
 */
final class DemoCommand {
    /** Warm-up of each run. */
    static final Duration WARMUP = Duration.ofSeconds(1);
    /** Measured time of each run. */
    static final Duration MEASURED = Duration.ofSeconds(3);
    /** Body size of each run. */
    static final int SIZE = 64;

    /** Where the demo server listens: loopback, on a port the system chooses. */
    static final String LISTEN = "tcp://127.0.0.1:0";

    private static final String MICRO = "\u00b5s";

    private DemoCommand() {
    }

    /**
     * Runs the demo.
     *
     * @param out receives the progress and the table
     * @return 0
     */
    static int run(PrintStream out) {
        DaemonConfig config = DaemonConfig.defaults().withListen(List.of(LISTEN));
        out.println("np demo: starting a server with an echo route on " + LISTEN + " (a free port)");
        List<BenchResult> results = new ArrayList<>();
        try (Server server = ServeCommand.start(config)) {
            String target = server.endpoints().get(0).toString();
            out.println("np demo: server listening on " + target);
            int[][] runs = {{1, 1}, {16, 16}};
            for (int i = 0; i < runs.length; i++) {
                BenchSpec spec = new BenchSpec(target, BenchSpec.ECHO_ROUTE, runs[i][0], runs[i][1], SIZE, WARMUP,
                    MEASURED);
                out.printf("np demo: run %d of %d: %d connection(s) x %d in flight, %d-byte bodies, %s s warm-up +"
                    + " %s s measured...%n", i + 1, runs.length, spec.connections(), spec.depth(), spec.size(),
                    Flags.secondsText(WARMUP), Flags.secondsText(MEASURED));
                out.flush();
                results.add(LoadGenerator.run(spec, ClientOptions.defaults()));
            }
            out.println("np demo: closing the server");
        }
        out.println();
        out.print(table(results, out.charset().newEncoder().canEncode(MICRO) ? MICRO : "us"));
        return 0;
    }

    /**
     * Formats results as a table with right-aligned columns.
     *
     * @param results the runs
     * @param micro   the unit name of microseconds, {@code µs} or {@code us} where the output cannot encode it
     * @return the table, one line per run after the header, each ending in a line separator
     */
    static String table(List<BenchResult> results, String micro) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"connections", "depth", "size", "msgs/s", "p50 " + micro, "p99 " + micro,
            "p99.9 " + micro, "max " + micro, "errors"});
        for (BenchResult r : results) {
            rows.add(new String[] {
                String.valueOf(r.spec().connections()), String.valueOf(r.spec().depth()),
                String.valueOf(r.spec().size()), String.valueOf(r.msgsPerSec()),
                String.valueOf(r.percentileMicros(50)), String.valueOf(r.percentileMicros(99)),
                String.valueOf(r.percentileMicros(99.9)), String.valueOf(r.maxMicros()), String.valueOf(r.errors())});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                if (c > 0) {
                    sb.append("  ");
                }
                sb.append(" ".repeat(widths[c] - row[c].length())).append(row[c]);
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}
