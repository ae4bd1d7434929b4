package dev.netproto.benchmarks;

import dev.netproto.api.spi.CompressionProvider;
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
 * Compression and decompression of one payload per operation, per algorithm, through the SPI exactly as the core
 * calls it: direct buffers, the providers found with {@link java.util.ServiceLoader}. Throughput in MB/s is
 * {@code size * ops/s}; each trial prints the compression ratio of its payload ({@code # ratio ...}) in its
 * setup. With {@code -prof gc}, {@code gc.alloc.rate.norm} shows that a call allocates nothing.
 *
 * <p>Run (docs/COMPRESSION.md has the figures):
 * {@code java -jar benchmarks/target/benchmarks.jar CompressionBenchmark -f 1 -wi 2 -w 1 -i 3 -r 1}.
 */
@State(Scope.Thread)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    // lz4-java and zstd-jni load native code; without this JDK 24+ prints a warning in every fork.
    "--enable-native-access=ALL-UNNAMED"})
public class CompressionBenchmark extends AbstractBenchmark {
    /** The algorithm, by provider name. */
    @Param({"lz4", "zstd", "deflate"})
    public String algorithm;

    /** The kind of payload. */
    @Param({"JSON", "TEXT", "RANDOM"})
    public CompressionData data;

    /** Payload bytes. */
    @Param({"64", "512", "4096", "65536", "1048576"})
    public int size;

    private CompressionProvider provider;
    private ByteBuffer src;
    private ByteBuffer compressed;
    private ByteBuffer compressOut;
    private ByteBuffer decompressOut;

    /** Creates the benchmark state; JMH calls this. */
    public CompressionBenchmark() {
    }

    /** Finds the provider, makes the payload and its compressed form, and prints the ratio. */
    @Setup(Level.Trial)
    public void setUp() {
        provider = CompressionData.provider(algorithm);
        byte[] bytes = data.bytes(size);
        src = ByteBuffer.allocateDirect(size).put(bytes).flip();
        compressOut = ByteBuffer.allocateDirect(provider.maxCompressedLength(size));
        int length = provider.compress(src.duplicate(), compressOut.duplicate());
        compressed = ByteBuffer.allocateDirect(length).put(compressOut.duplicate().limit(length)).flip();
        decompressOut = ByteBuffer.allocateDirect(size);
        System.out.printf(Locale.ROOT, "%n# ratio %s %s %d: %d -> %d = %.3f%n", algorithm, data, size, size, length,
            size == 0 ? 1.0 : (double) length / size);
    }

    /** Frees the calling thread's native state, as the core does when a loop ends. */
    @TearDown(Level.Trial)
    public void tearDown() {
        provider.onThreadExit();
    }

    /**
     * Compresses the payload.
     *
     * @return the compressed length
     */
    @Benchmark
    public int compress() {
        src.position(0);
        compressOut.clear();
        return provider.compress(src, compressOut);
    }

    /**
     * Decompresses the payload.
     *
     * @return the decompressed length
     */
    @Benchmark
    public int decompress() {
        compressed.position(0);
        decompressOut.clear();
        provider.decompress(compressed, decompressOut, size);
        return decompressOut.position();
    }
}
