package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netproto.api.spi.CompressionException;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of {@link DeflateCompressionProvider#decompress}: any stream with any claimed length
 * decompresses to exactly that length or fails with {@link CompressionException} (any other exception fails the
 * test), never writes past the claim, and leaves both buffers where they were on failure.
 *
 * <p>Input: byte 0 bit 0 makes the source direct, bit 1 the destination; bytes 1-3 are the claimed length (big
 * endian, modulo 256 KiB); the rest is the compressed stream. Seeds:
 * {@code src/test/resources/dev/netproto/core/DeflateDecompressFuzzTestInputs/}.
 */
class DeflateDecompressFuzzTest {
    static final int HEADER = 4;
    static final int MAX_CLAIM = 256 * 1024;
    static final int SLACK = 16;
    static final byte GUARD = (byte) 0xA5;

    static final int MAX_SRC = 1 << 20;

    private final DeflateCompressionProvider provider = new DeflateCompressionProvider();
    // Reused: a direct buffer per execution makes the JDK call System.gc() to free direct memory, which cut the
    // fuzzer to about a thousand executions a second.
    private final ByteBuffer directSrc = ByteBuffer.allocateDirect(MAX_SRC);
    private final ByteBuffer heapSrc = ByteBuffer.allocate(MAX_SRC);
    private final ByteBuffer directDst = ByteBuffer.allocateDirect(3 + MAX_CLAIM + SLACK);
    private final ByteBuffer heapDst = ByteBuffer.allocate(3 + MAX_CLAIM + SLACK);

    @FuzzTest(maxDuration = "30s")
    void shouldDecompressOrRefuseWhenGivenAnyStream(byte[] input) {
        if (input.length < HEADER || input.length - HEADER > MAX_SRC) {
            return;
        }
        int claim = (((input[1] & 0xFF) << 16) | ((input[2] & 0xFF) << 8) | (input[3] & 0xFF)) % MAX_CLAIM;
        ByteBuffer src = ((input[0] & 1) != 0 ? directSrc : heapSrc).clear().slice(0, input.length - HEADER);
        src.put(input, HEADER, input.length - HEADER).flip();
        int dstCapacity = 3 + claim + SLACK;
        ByteBuffer dst = ((input[0] & 2) != 0 ? directDst : heapDst).clear().slice(0, dstCapacity);
        for (int i = 0; i < dstCapacity; i++) {
            dst.put(i, GUARD);
        }
        dst.position(3);
        try {
            provider.decompress(src, dst, claim);
            assertEquals(3 + claim, dst.position(), "output length differs from the claim");
            assertEquals(src.limit(), src.position(), "source not consumed");
        } catch (CompressionException refused) {
            assertEquals(3, dst.position(), "dst moved on failure");
            assertEquals(0, src.position(), "src moved on failure");
        }
        assertEquals(dstCapacity, dst.limit(), "dst limit changed");
        for (int i = 3 + claim; i < dstCapacity; i++) {
            assertEquals(GUARD, dst.get(i), "a byte was written past the claimed length, at " + (i - 3));
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(dst.get(i) == GUARD, "a byte was written before dst's position");
        }
    }
}
