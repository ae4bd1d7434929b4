package dev.netproto.compression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of {@link CompressionProvider} that every algorithm must meet: round trips of every size and kind
 * of data through every kind of buffer, and the refusal of bad data without writing past the claimed length.
 */
@Timeout(120)
abstract class AbstractCompressionProviderTest {
    private static final int[] SIZES = {0, 1, 100, 511, 512, 4096, 65536, 1 << 20};
    private static final byte GUARD = 0x5A;
    private static final int GUARD_LENGTH = 4096;

    /** The provider under test. */
    abstract CompressionProvider provider();

    static Stream<Arguments> inputs() {
        List<Arguments> inputs = new ArrayList<>();
        for (TestData kind : TestData.values()) {
            for (int size : SIZES) {
                inputs.add(Arguments.of(kind, size));
            }
        }
        return inputs.stream();
    }

    @ParameterizedTest(name = "{0} {1} B")
    @MethodSource("inputs")
    void shouldRoundTripWhenBothBuffersAreDirect(TestData kind, int size) {
        byte[] data = kind.bytes(size, size);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(size)));
        ByteBuffer out = ByteBuffer.allocateDirect(size);
        provider().decompress(compressed, out, size);
        assertFalse(compressed.hasRemaining(), "src consumed");
        assertEquals(size, out.position());
        assertArrayEquals(data, bytes(out.flip()));
        if (kind != TestData.RANDOM && size >= 4096) {
            assertTrue(compressed.limit() < size * 3 / 4, kind + " compresses: " + compressed.limit() + " of " + size);
        }
    }

    @ParameterizedTest(name = "{0} {1} B")
    @MethodSource("inputs")
    void shouldRoundTripWhenBuffersAreHeapSlicesWithOffsets(TestData kind, int size) {
        byte[] data = kind.bytes(size, size + 1);
        ByteBuffer src = ByteBuffer.allocate(size + 20).position(7).slice().put(3, data).position(3).limit(3 + size);
        ByteBuffer dst = ByteBuffer.allocate(bound(size) + 40).position(11).slice().position(5);
        int length = provider().compress(src, dst);
        assertEquals(5 + length, dst.position());
        ByteBuffer compressed = dst.flip().position(5);
        ByteBuffer out = ByteBuffer.allocate(size + 30).position(13).slice().position(2);
        provider().decompress(compressed, out, size);
        assertEquals(2 + size, out.position());
        assertArrayEquals(data, bytes(out.flip().position(2)));
    }

    @Test
    void shouldRoundTripWhenHeapAndDirectBuffersMix() {
        byte[] data = TestData.JSON.bytes(10_000, 3);
        ByteBuffer a = compress(ByteBuffer.wrap(data), ByteBuffer.allocateDirect(bound(data.length)));
        ByteBuffer b = compress(direct(data), ByteBuffer.allocate(bound(data.length)));
        assertArrayEquals(bytes(a.duplicate()), bytes(b.duplicate()), "same stream whatever the buffers");
        ByteBuffer heapOut = ByteBuffer.allocate(data.length);
        provider().decompress(a, heapOut, data.length);
        assertArrayEquals(data, heapOut.array());
        ByteBuffer directOut = ByteBuffer.allocateDirect(data.length);
        provider().decompress(b, directOut, data.length);
        assertArrayEquals(data, bytes(directOut.flip()));
    }

    @Test
    void shouldRoundTripWhenTheSourceIsReadOnly() {
        byte[] data = TestData.TEXT.bytes(20_000, 4);
        ByteBuffer heapCompressed = compress(ByteBuffer.wrap(data).asReadOnlyBuffer(),
            ByteBuffer.allocate(bound(data.length)));
        ByteBuffer directCompressed = compress(direct(data).asReadOnlyBuffer(),
            ByteBuffer.allocateDirect(bound(data.length)));
        for (ByteBuffer compressed : List.of(heapCompressed.asReadOnlyBuffer(), directCompressed.asReadOnlyBuffer())) {
            for (ByteBuffer out : List.of(ByteBuffer.allocate(data.length), ByteBuffer.allocateDirect(data.length))) {
                provider().decompress(compressed.duplicate(), out, data.length);
                assertArrayEquals(data, bytes(out.flip()));
            }
        }
    }

    @Test
    void shouldRefuseWithoutWritingPastTheClaimWhenTheDataDecompressesToMore() {
        int claim = 16 * 1024;
        ByteBuffer compressed = compress(direct(new byte[1 << 20]), ByteBuffer.allocateDirect(bound(1 << 20)));
        for (boolean directOut : new boolean[] {true, false}) {
            ByteBuffer out = guarded(claim, directOut);
            CompressionException e = assertThrows(CompressionException.class,
                () -> provider().decompress(compressed, out, claim));
            assertEquals(provider().name(), e.algorithm());
            assertEquals(claim, e.claimedLength());
            assertTrue(e.getMessage().startsWith(provider().name() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("claimed " + claim + " bytes"), e.getMessage());
            assertGuardIntact(out, claim);
            assertEquals(0, compressed.position(), "src position unchanged on failure");
            assertEquals(0, out.position(), "dst position unchanged on failure");
        }
    }

    @Test
    void shouldRefuseWhenTheDataDecompressesToFewerBytesThanClaimed() {
        byte[] data = TestData.JSON.bytes(4096, 5);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        ByteBuffer out = guarded(8192, true);
        CompressionException e = assertThrows(CompressionException.class,
            () -> provider().decompress(compressed, out, 8192));
        assertEquals(8192, e.claimedLength());
        assertEquals(4096, e.actualLength(), e.getMessage());
        assertTrue(e.getMessage().contains("actual 4096 bytes"), e.getMessage());
        assertGuardIntact(out, 8192);
    }

    @Test
    void shouldRefuseWhenTheStreamIsTruncated() {
        byte[] data = TestData.TEXT.bytes(65536, 6);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        int full = compressed.limit();
        for (int cut : new int[] {full - 1, full - 8, full / 2, 1}) {
            ByteBuffer truncated = compressed.duplicate().limit(cut);
            ByteBuffer out = guarded(data.length, false);
            CompressionException e = assertThrows(CompressionException.class,
                () -> provider().decompress(truncated, out, data.length), "cut at " + cut);
            assertEquals(provider().name(), e.algorithm());
            assertGuardIntact(out, data.length);
        }
    }

    @Test
    void shouldRefuseWhenExtraBytesFollowTheStream() {
        byte[] data = TestData.JSON.bytes(3000, 7);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length) + 4));
        ByteBuffer padded = ByteBuffer.allocateDirect(compressed.limit() + 4).put(compressed).putInt(0x01020304)
            .flip();
        assertThrows(CompressionException.class,
            () -> provider().decompress(padded, ByteBuffer.allocate(data.length), data.length));
    }

    @Test
    void shouldRefuseWhenTheDataIsGarbage() {
        for (long seed = 0; seed < 32; seed++) {
            for (int size : new int[] {1, 16, 1024}) {
                ByteBuffer garbage = ByteBuffer.wrap(TestData.RANDOM.bytes(size, seed));
                ByteBuffer out = guarded(4096, seed % 2 == 0);
                assertThrows(CompressionException.class, () -> provider().decompress(garbage, out, 4096),
                    "seed " + seed + ", " + size + " B");
                assertGuardIntact(out, 4096);
            }
        }
    }

    @Test
    void shouldRefuseAGibibyteClaimForA16KibStreamBeforeDecompressingWhenTheRatioCapApplies() {
        byte[] data = TestData.RANDOM.bytes(16 * 1024, 8);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        int claim = 1 << 30;
        // The order the core follows: the ratio check comes before any room is made or anything is decompressed,
        // so the 1 GiB output buffer is never asked for.
        CompressionException e = assertThrows(CompressionException.class, () -> {
            CompressionLimits.checkRatio(provider().name(), compressed.remaining(), claim,
                CompressionLimits.MAX_RATIO_DEFAULT);
            provider().decompress(compressed, ByteBuffer.allocateDirect(claim), claim);
        });
        assertEquals(claim, e.claimedLength());
        assertTrue(e.getMessage().contains("ratio cap"), e.getMessage());
        assertEquals(0, compressed.position(), "nothing was read");
        CompressionLimits.checkRatio(provider().name(), compressed.remaining(), data.length,
            CompressionLimits.MAX_RATIO_DEFAULT);
    }

    @Test
    void shouldRefuseACallerBugWithAPlainIllegalArgumentWhenDstIsTooSmall() {
        byte[] data = TestData.JSON.bytes(1000, 9);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> provider().decompress(compressed, ByteBuffer.allocate(999), 1000));
        assertFalse(CompressionException.class.isInstance(e), "not the peer's fault");
        assertThrows(IllegalArgumentException.class,
            () -> provider().compress(ByteBuffer.wrap(data), ByteBuffer.allocate(bound(1000) - 1)));
        assertThrows(IllegalArgumentException.class,
            () -> provider().decompress(compressed, ByteBuffer.allocate(1000).asReadOnlyBuffer(), 1000));
        assertThrows(IllegalArgumentException.class, () -> provider().maxCompressedLength(-1));
    }

    @Test
    void shouldStayWithinMaxCompressedLengthWhenTheDataIsIncompressible() {
        for (int size = 0; size <= 3000; size += 7) {
            assertWithinBound(TestData.RANDOM.bytes(size, size));
        }
        for (int size : new int[] {65535, 65536, 65537, 131071, 131072, 131073, 1 << 20, (1 << 20) + 1}) {
            assertWithinBound(TestData.RANDOM.bytes(size, size));
        }
    }

    @Test
    void shouldKeepStatePerThreadWhenManyThreadsCompressAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        TestData kind = TestData.values()[(thread + i) % 3];
                        byte[] data = kind.bytes(100 + 97 * i, thread * 1000L + i);
                        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
                        ByteBuffer out = ByteBuffer.allocate(data.length);
                        provider().decompress(compressed, out, data.length);
                        assertArrayEquals(data, out.array());
                    }
                    provider().onThreadExit();
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldWorkAgainOnTheSameThreadWhenItsStateWasReleased() {
        byte[] data = TestData.TEXT.bytes(5000, 10);
        provider().onThreadExit();
        provider().onThreadExit();
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        provider().onThreadExit();
        ByteBuffer out = ByteBuffer.allocate(data.length);
        provider().decompress(compressed, out, data.length);
        assertArrayEquals(data, out.array());
    }

    @Test
    void shouldBeAvailableWhenTheNativeCodeLoads() {
        assertTrue(provider().isAvailable(), provider().name() + " on " + NativeLoader.platform());
    }

    private void assertWithinBound(byte[] data) {
        int bound = bound(data.length);
        ByteBuffer dst = ByteBuffer.allocate(bound);
        int length = provider().compress(ByteBuffer.wrap(data), dst);
        assertTrue(length <= bound, data.length + " B: " + length + " > " + bound);
        ByteBuffer out = ByteBuffer.allocate(data.length);
        provider().decompress(dst.flip(), out, data.length);
        assertArrayEquals(data, out.array());
    }

    int bound(int size) {
        return provider().maxCompressedLength(size);
    }

    /** Compresses and returns the output, flipped for reading. */
    ByteBuffer compress(ByteBuffer src, ByteBuffer dst) {
        int start = dst.position();
        int length = provider().compress(src, dst);
        assertFalse(src.hasRemaining(), "src consumed");
        assertEquals(start + length, dst.position());
        return dst.flip();
    }

    static ByteBuffer direct(byte[] data) {
        return ByteBuffer.allocateDirect(data.length).put(data).flip();
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** A buffer with room for the claim and a guard zone after it, all of which the provider may see. */
    static ByteBuffer guarded(int claim, boolean direct) {
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(claim + GUARD_LENGTH)
            : ByteBuffer.allocate(claim + GUARD_LENGTH);
        for (int i = claim; i < buffer.capacity(); i++) {
            buffer.put(i, GUARD);
        }
        return buffer;
    }

    static void assertGuardIntact(ByteBuffer buffer, int claim) {
        byte[] guard = new byte[buffer.capacity() - claim];
        buffer.get(claim, guard);
        byte[] expected = new byte[guard.length];
        Arrays.fill(expected, GUARD);
        assertArrayEquals(expected, guard, "nothing written past the claimed " + claim + " bytes");
    }
}
