package dev.netproto.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;

/**
 * The invariants the decompressors' fuzz tests check on any input: decompression yields exactly the claimed length
 * or fails with {@link CompressionException} (any other exception fails the test), never writes outside
 * {@code [position, position + claim)} of the destination, and leaves both buffers where they were on failure.
 *
 * <p>Input: byte 0 bit 0 makes the source direct, bit 1 the destination; bytes 1-3 are the claimed length (big
 * endian, modulo 256 KiB); the rest is the compressed stream, as {@code compress} writes it.
 */
final class DecompressFuzzing {
    private static final int HEADER = 4;
    private static final int MAX_CLAIM = 256 * 1024;
    private static final int BEFORE = 3;
    private static final int SLACK = 16;
    private static final byte GUARD = (byte) 0xA5;
    private static final int MAX_SRC = 1 << 20;
    private static final ByteBuffer GUARDS = ByteBuffer.wrap(new byte[] {
        GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD,
        GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD, GUARD});
    // Reused: a direct buffer per execution makes the JDK call System.gc() to free direct memory, which cut the
    // fuzzer to a few hundred executions a second. One test thread, so one set.
    private static final ByteBuffer DIRECT_SRC = ByteBuffer.allocateDirect(MAX_SRC);
    private static final ByteBuffer HEAP_SRC = ByteBuffer.allocate(MAX_SRC);
    private static final ByteBuffer DIRECT_DST = ByteBuffer.allocateDirect(BEFORE + MAX_CLAIM + SLACK);
    private static final ByteBuffer HEAP_DST = ByteBuffer.allocate(BEFORE + MAX_CLAIM + SLACK);

    private DecompressFuzzing() {
    }

    static void check(CompressionProvider provider, byte[] input) {
        if (input.length < HEADER || input.length - HEADER > MAX_SRC) {
            return;
        }
        int claim = (((input[1] & 0xFF) << 16) | ((input[2] & 0xFF) << 8) | (input[3] & 0xFF)) % MAX_CLAIM;
        int srcLength = input.length - HEADER;
        ByteBuffer src = slice((input[0] & 1) != 0 ? DIRECT_SRC : HEAP_SRC, srcLength);
        src.put(input, HEADER, srcLength).flip();
        int capacity = BEFORE + claim + SLACK;
        ByteBuffer dst = slice((input[0] & 2) != 0 ? DIRECT_DST : HEAP_DST, capacity);
        // Only the bytes outside the claim are guarded: a loop over the whole buffer, instrumented by Jazzer like all
        // of dev.netproto, was what kept the fuzzer at a few hundred executions a second.
        guard(dst, 0, BEFORE);
        guard(dst, BEFORE + claim, SLACK);
        dst.position(BEFORE);
        try {
            provider.decompress(src, dst, claim);
            assertEquals(BEFORE + claim, dst.position(), provider.name() + ": output length differs from the claim");
            assertEquals(src.limit(), src.position(), provider.name() + ": source not consumed");
        } catch (CompressionException refused) {
            assertEquals(BEFORE, dst.position(), provider.name() + ": dst moved on failure");
            assertEquals(0, src.position(), provider.name() + ": src moved on failure");
        }
        assertEquals(capacity, dst.limit(), provider.name() + ": dst limit changed");
        assertEquals(-1, dst.slice(0, BEFORE).mismatch(GUARDS.slice(0, BEFORE)),
            provider.name() + ": a byte was written before dst's position");
        assertEquals(-1, dst.slice(BEFORE + claim, SLACK).mismatch(GUARDS.slice(0, SLACK)),
            provider.name() + ": a byte was written past the claimed length");
    }

    private static void guard(ByteBuffer dst, int offset, int length) {
        dst.put(offset, GUARDS, 0, length);
    }

    /** A fresh view of the first {@code length} bytes of a shared buffer: position 0, limit and capacity length. */
    private static ByteBuffer slice(ByteBuffer shared, int length) {
        return shared.clear().slice(0, length);
    }
}
