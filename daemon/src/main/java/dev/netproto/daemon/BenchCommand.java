package dev.netproto.daemon;

import dev.netproto.api.ClientOptions;
import java.io.PrintStream;

/**
 * {@code np bench}: runs one benchmark against a server and prints one line, for example
 * {@code msgs_per_sec=123456 p50_us=41 p99_us=180 p999_us=420 max_us=2100 errors=0}.
 */
final class BenchCommand {
    private BenchCommand() {
    }

    /**
     * Runs {@code np bench}.
     *
     * @param flags the parsed flags
     * @param out   receives the result line
     * @return 0; failures are thrown
     * @throws dev.netproto.api.ConfigurationException listing every bad flag
     * @throws dev.netproto.api.NetprotoException      if the target cannot be reached
     */
    static int run(Flags flags, PrintStream out) {
        BenchSpec spec = BenchSpec.fromFlags(flags);
        String compression = flags.text("--compression", "none");
        ClientOptions.Builder options = ClientOptions.builder();
        if (compression.equals("all")) {
            options.compression("lz4", "zstd", "deflate");
        } else if (!compression.equals("none")) {
            options.compression(compression.split(","));
        }
        BenchResult result = LoadGenerator.run(spec, options.build());
        out.println(result.line());
        return 0;
    }
}
