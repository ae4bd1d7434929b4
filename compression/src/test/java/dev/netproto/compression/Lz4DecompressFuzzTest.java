package dev.netproto.compression;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link Lz4CompressionProvider#decompress} with the invariants of
 * {@link DecompressFuzzing}. Seeds: {@code src/test/resources/dev/netproto/compression/Lz4DecompressFuzzTestInputs/}.
 */
class Lz4DecompressFuzzTest {
    private final Lz4CompressionProvider provider = new Lz4CompressionProvider();

    @FuzzTest(maxDuration = "30s")
    void shouldDecompressOrRefuseWhenGivenAnyStream(byte[] input) {
        DecompressFuzzing.check(provider, input);
    }
}
