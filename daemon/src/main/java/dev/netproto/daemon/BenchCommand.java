package dev.netproto.daemon;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Security;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code np bench}: runs one benchmark against a server and prints one line, for example
 * {@code msgs_per_sec=123456 p50_us=41 p99_us=180 p999_us=420 max_us=2100 errors=0}.
 */
final class BenchCommand {
    /** The flag setting the client's idle spin in microseconds ({@code ClientOptions.Builder.idleSpin}). */
    static final String IDLE_SPIN_FLAG = "--idle-spin-us";
    /** The switch that makes {@code np bench} exit 0 although requests failed. */
    static final String ALLOW_ERRORS_FLAG = "--allow-errors";

    private BenchCommand() {
    }

    /**
     * Runs {@code np bench}, telling on standard error why it exits 1.
     *
     * @param flags the parsed flags
     * @param out   receives the result line
     * @return 0, or 1 when requests failed (errors &gt; 0) and {@value #ALLOW_ERRORS_FLAG} was not given; other
     *         failures are thrown
     * @throws ConfigurationException                 listing every bad flag
     * @throws dev.netproto.api.NetprotoException      if the target cannot be reached
     */
    static int run(Flags flags, PrintStream out) {
        return run(flags, out, System.err);
    }

    /**
     * Runs {@code np bench}.
     *
     * @param flags the parsed flags
     * @param out   receives the result line
     * @param err   told why the exit status is 1
     * @return 0, or 1 when requests failed (errors &gt; 0) and {@value #ALLOW_ERRORS_FLAG} was not given, so that a
     *         script need not parse the line; other failures are thrown
     * @throws ConfigurationException                 listing every bad flag
     * @throws dev.netproto.api.NetprotoException      if the target cannot be reached
     */
    static int run(Flags flags, PrintStream out, PrintStream err) {
        List<String> problems = new ArrayList<>();
        BenchSpec spec = null;
        try {
            spec = BenchSpec.fromFlags(flags);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        Security security = BenchTls.security(flags, flags.text("--target", BenchSpec.DEFAULT_TARGET), problems);
        Security noise = BenchNoise.security(flags, problems);
        if (noise != null) {
            security = noise;
        }
        int idleSpinUs = flags.integer(IDLE_SPIN_FLAG, 0, 0, 10_000, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        String compression = flags.text("--compression", "none");
        ClientOptions.Builder options = ClientOptions.builder().security(security)
            .idleSpin(Duration.ofNanos(1_000L * idleSpinUs));
        if (compression.equals("all")) {
            options.compression("lz4", "zstd", "deflate");
        } else if (!compression.equals("none")) {
            options.compression(compression.split(","));
        }
        BenchResult result = LoadGenerator.run(spec, options.build());
        out.println(result.line());
        if (result.errors() > 0 && !flags.has(ALLOW_ERRORS_FLAG)) {
            err.println("np bench: " + result.errors() + " requests failed (" + ALLOW_ERRORS_FLAG
                + " exits 0 all the same)");
            return Main.EXIT_FAILURE;
        }
        return Main.EXIT_OK;
    }
}
