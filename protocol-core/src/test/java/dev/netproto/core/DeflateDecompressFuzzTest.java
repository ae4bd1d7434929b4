package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    static final ByteBuffer GUARDS = ByteBuffer.wrap(new byte[] {
        GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD,
        GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD});

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
        // Only the bytes outside the claim are guarded: a loop over the whole buffer, instrumented by Jazzer like all
        // of dev.netproto, was what kept the fuzzer at about a thousand executions a second.
        dst.put(0, GUARDS, 0, 3).put(3 + claim, GUARDS, 0, SLACK);
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
        assertEquals(-1, dst.slice(3 + claim, SLACK).mismatch(GUARDS.slice(0, SLACK)),
            "a byte was written past the claimed length");
        assertEquals(-1, dst.slice(0, 3).mismatch(GUARDS.slice(0, 3)), "a byte was written before dst's position");
    }
}
