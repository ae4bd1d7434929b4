package dev.netproto.compression;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of {@link ZstdCompressionProvider#decompress} with the invariants of
 * {@link DecompressFuzzing}. Seeds: {@code src/test/resources/dev/netproto/compression/ZstdDecompressFuzzTestInputs/}.
 */
class ZstdDecompressFuzzTest {
    private final ZstdCompressionProvider provider = new ZstdCompressionProvider();

    @FuzzTest(maxDuration = "30s")
    void shouldDecompressOrRefuseWhenGivenAnyStream(byte[] input) {
        DecompressFuzzing.check(provider, input);
    }
}
