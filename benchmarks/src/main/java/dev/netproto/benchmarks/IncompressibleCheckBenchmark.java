package dev.netproto.benchmarks;

import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.core.Compressibility;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The study behind the pre-compression check of issue #7: should a frame be compressed at all? Two candidate
 * checks, run on the payload before compressing it:
 *
 * <ul>
 * <li>{@code entropy}: {@link Compressibility}, an order-0 entropy estimate over a 256-byte sample spread across
 *     the payload;</li>
 * <li>{@code trialLz4}, {@code trialZstd}: compress the first {@value #PREFIX} bytes and keep the payload if they
 *     shrink to {@value #KEEP_NUMERATOR}/{@value #KEEP_DENOMINATOR} or less;</li>
 * </ul>
 *
 * <p>and, for scale, {@code compressLz4}, {@code compressZstd}, {@code compressDeflate}: compressing the whole
 * payload, which is what the check saves when it says "skip". The JMH methods measure cost;
 * {@link #main(String[])} measures accuracy (how often each check would skip a payload that in fact shrinks, or
 * keep one that does not) and prints the tables of docs/COMPRESSION.md.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar IncompressibleCheckBenchmark -f 1 -wi 2 -w 1 -i 3 -r 1}
 * for cost, and {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar
 * dev.netproto.benchmarks.IncompressibleCheckBenchmark} for accuracy.
 */
@State(Scope.Thread)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    // lz4-java and zstd-jni load native code; without this JDK 24+ prints a warning in every fork.
    "--enable-native-access=ALL-UNNAMED"})
public class IncompressibleCheckBenchmark extends AbstractBenchmark {
    /** Bytes a trial compression looks at. */
    static final int PREFIX = 1024;
    /** A payload is worth compressing if it shrinks to this fraction of its size or less (saves 1/8). */
    static final int KEEP_NUMERATOR = 7;
    /** See {@link #KEEP_NUMERATOR}. */
    static final int KEEP_DENOMINATOR = 8;

    /** The kind of payload. */
    @Param({"JSON", "TEXT", "RANDOM", "COMPRESSED", "BASE64", "MIXED"})
    public CompressionData data;

    /** Payload bytes. */
    @Param({"512", "4096", "65536"})
    public int size;

    private final Compressibility compressibility = new Compressibility();
    private CompressionProvider lz4;
    private CompressionProvider zstd;
    private CompressionProvider deflate;
    private ByteBuffer payload;
    private ByteBuffer prefix;
    private ByteBuffer out;

    /** Creates the benchmark state; JMH calls this. */
    public IncompressibleCheckBenchmark() {
    }

    /** Finds the providers and makes the payload. */
    @Setup(Level.Trial)
    public void setUp() {
        lz4 = CompressionData.provider("lz4");
        zstd = CompressionData.provider("zstd");
        deflate = CompressionData.provider("deflate");
        payload = ByteBuffer.allocateDirect(size).put(data.bytes(size)).flip();
        prefix = payload.duplicate().limit(Math.min(size, PREFIX)).slice();
        int bound = Math.max(lz4.maxCompressedLength(size), Math.max(zstd.maxCompressedLength(size),
            deflate.maxCompressedLength(size)));
        out = ByteBuffer.allocateDirect(bound);
    }

    /** Frees the calling thread's native state. */
    @TearDown(Level.Trial)
    public void tearDown() {
        lz4.onThreadExit();
        zstd.onThreadExit();
        deflate.onThreadExit();
    }

    /**
     * The entropy estimate over the sample.
     *
     * @return the decision
     */
    @Benchmark
    public boolean entropy() {
        return compressibility.likelyCompressible(payload);
    }

    /**
     * A trial compression of the prefix with LZ4.
     *
     * @return the decision
     */
    @Benchmark
    public boolean trialLz4() {
        return trial(lz4, prefix, out);
    }

    /**
     * A trial compression of the prefix with Zstandard.
     *
     * @return the decision
     */
    @Benchmark
    public boolean trialZstd() {
        return trial(zstd, prefix, out);
    }

    /**
     * Compresses the whole payload with LZ4.
     *
     * @return the compressed length
     */
    @Benchmark
    public int compressLz4() {
        return compressWhole(lz4);
    }

    /**
     * Compresses the whole payload with Zstandard.
     *
     * @return the compressed length
     */
    @Benchmark
    public int compressZstd() {
        return compressWhole(zstd);
    }

    /**
     * Compresses the whole payload with deflate.
     *
     * @return the compressed length
     */
    @Benchmark
    public int compressDeflate() {
        return compressWhole(deflate);
    }

    private int compressWhole(CompressionProvider provider) {
        payload.position(0);
        out.clear();
        return provider.compress(payload, out);
    }

    static boolean trial(CompressionProvider provider, ByteBuffer prefix, ByteBuffer out) {
        prefix.position(0);
        out.clear();
        int length = prefix.remaining();
        return worthIt(provider.compress(prefix, out), length);
    }

    static boolean worthIt(int compressedLength, int length) {
        return (long) compressedLength * KEEP_DENOMINATOR <= (long) length * KEEP_NUMERATOR;
    }

    /**
     * Prints the accuracy tables: for each kind and size, the real ratios of the three algorithms and how often
     * each check keeps the payload, over {@value #SEEDS} different payloads; then the wrong decisions of each
     * check against each algorithm, and the entropy check's errors for a range of thresholds.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        CompressionProvider[] algorithms = {CompressionData.provider("lz4"), CompressionData.provider("zstd"),
            CompressionData.provider("deflate")};
        int[] sizes = {512, 1024, 4096, 16384, 65536};
        double[] thresholds = {6.0, 6.25, 6.5, 6.75, 7.0, 7.1, 7.2};
        String[] checks = {"entropy", "trial-lz4", "trial-zstd"};
        // errors[check][algorithm][0 = false skip, 1 = false keep]
        int[][][] errors = new int[checks.length][algorithms.length][2];
        int[][][] thresholdErrors = new int[thresholds.length][algorithms.length][2];
        int payloads = 0;
        Compressibility compressibility = new Compressibility();
        ByteBuffer out = ByteBuffer.allocateDirect(algorithms[2].maxCompressedLength(65536) + 1024);

        System.out.printf(Locale.ROOT, "Accuracy over %d payloads per row; a payload is worth compressing if it "
            + "shrinks to %d/%d or less.%n%n", SEEDS, KEEP_NUMERATOR, KEEP_DENOMINATOR);
        System.out.println("| data | size | ratio lz4 | ratio zstd | ratio deflate | entropy bits/byte (min-max) "
            + "| entropy keeps | trial-lz4 keeps | trial-zstd keeps |");
        System.out.println("|---|---:|---:|---:|---:|---|---:|---:|---:|");
        for (CompressionData kind : CompressionData.values()) {
            for (int size : sizes) {
                double[] ratioSum = new double[algorithms.length];
                double minBits = 8;
                double maxBits = 0;
                int[] keeps = new int[checks.length];
                for (int seed = 0; seed < SEEDS; seed++) {
                    byte[] bytes = kind.bytes(size, seed);
                    ByteBuffer payload = ByteBuffer.allocateDirect(size).put(bytes).flip();
                    boolean[] truth = new boolean[algorithms.length];
                    for (int a = 0; a < algorithms.length; a++) {
                        int length = CompressionData.compressedLength(algorithms[a], bytes);
                        ratioSum[a] += (double) length / size;
                        truth[a] = worthIt(length, size);
                    }
                    double bits = compressibility.bitsPerByte(payload);
                    minBits = Math.min(minBits, bits);
                    maxBits = Math.max(maxBits, bits);
                    ByteBuffer prefix = payload.duplicate().limit(Math.min(size, PREFIX)).slice();
                    boolean[] decisions = {compressibility.likelyCompressible(payload),
                        trial(algorithms[0], prefix, out), trial(algorithms[1], prefix, out)};
                    for (int c = 0; c < checks.length; c++) {
                        keeps[c] += decisions[c] ? 1 : 0;
                        count(errors[c], truth, decisions[c]);
                    }
                    for (int t = 0; t < thresholds.length; t++) {
                        count(thresholdErrors[t], truth, bits <= thresholds[t]);
                    }
                    payloads++;
                }
                System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.2f-%.2f | %d%% | %d%% | %d%% |%n",
                    kind, size, ratioSum[0] / SEEDS, ratioSum[1] / SEEDS, ratioSum[2] / SEEDS, minBits, maxBits,
                    100 * keeps[0] / SEEDS, 100 * keeps[1] / SEEDS, 100 * keeps[2] / SEEDS);
            }
        }
        System.out.printf(Locale.ROOT, "%nWrong decisions over all %d payloads (false skip / false keep):%n%n",
            payloads);
        System.out.println("| check | vs lz4 | vs zstd | vs deflate |");
        System.out.println("|---|---:|---:|---:|");
        for (int c = 0; c < checks.length; c++) {
            printErrors(checks[c], errors[c]);
        }
        System.out.printf(Locale.ROOT, "%nThe entropy check at other thresholds (false skip / false keep):%n%n");
        System.out.println("| keep if bits/byte <= | vs lz4 | vs zstd | vs deflate |");
        System.out.println("|---:|---:|---:|---:|");
        for (int t = 0; t < thresholds.length; t++) {
            printErrors(String.format(Locale.ROOT, "%.2f", thresholds[t]), thresholdErrors[t]);
        }
        printSmallFrames(algorithms);
        for (CompressionProvider algorithm : algorithms) {
            algorithm.onThreadExit();
        }
    }

    /** Payloads per kind and size in {@link #main}. */
    static final int SEEDS = 100;

    private static void count(int[][] errors, boolean[] truth, boolean keep) {
        for (int a = 0; a < truth.length; a++) {
            if (truth[a] && !keep) {
                errors[a][0]++;
            } else if (!truth[a] && keep) {
                errors[a][1]++;
            }
        }
    }

    private static void printErrors(String name, int[][] errors) {
        System.out.printf(Locale.ROOT, "| %s | %d / %d | %d / %d | %d / %d |%n", name, errors[0][0], errors[0][1],
            errors[1][0], errors[1][1], errors[2][0], errors[2][1]);
    }

    /** What compression saves on small frames, where the size threshold lies. */
    private static void printSmallFrames(CompressionProvider[] algorithms) {
        int[] sizes = {64, 128, 256, 512, 1024, 2048};
        System.out.printf(Locale.ROOT, "%nSmall payloads: mean compressed size in bytes (saving), over %d payloads:"
            + "%n%n", SEEDS);
        System.out.println("| data | size | lz4 | zstd | deflate |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (CompressionData kind : new CompressionData[] {CompressionData.JSON, CompressionData.TEXT}) {
            for (int size : sizes) {
                StringBuilder row = new StringBuilder("| " + kind + " | " + size + " |");
                for (CompressionProvider algorithm : algorithms) {
                    long total = 0;
                    for (int seed = 0; seed < SEEDS; seed++) {
                        total += CompressionData.compressedLength(algorithm, kind.bytes(size, seed));
                    }
                    double mean = (double) total / SEEDS;
                    row.append(String.format(Locale.ROOT, " %.0f (%.0f%%) |", mean, 100 * (1 - mean / size)));
                }
                System.out.println(row);
            }
        }
    }
}
