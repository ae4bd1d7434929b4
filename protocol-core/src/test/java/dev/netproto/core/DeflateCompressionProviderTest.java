package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link CompressionProvider} contract for {@code deflate}: round trips of every size and kind of data, and
 * the refusal of bad data without writing past the claimed length. (The compression module runs the same cases
 * for lz4 and zstd.)
 */
@Timeout(120)
class DeflateCompressionProviderTest {
    private static final int[] SIZES = {0, 1, 100, 511, 512, 4096, 65536, 1 << 20};
    private static final byte GUARD = 0x5A;
    private static final int GUARD_LENGTH = 4096;
    private static final String[] WORDS = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as",
        "was", "with", "be", "by", "on", "not", "this", "are", "or", "from", "at", "which", "connection", "server"};

    private final DeflateCompressionProvider provider = new DeflateCompressionProvider();

    enum Kind { JSON, TEXT, RANDOM }

    static byte[] data(Kind kind, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] out = new byte[size];
        if (kind == Kind.RANDOM) {
            random.nextBytes(out);
            return out;
        }
        StringBuilder text = new StringBuilder(size + 128);
        for (int id = 0; text.length() < size; id++) {
            if (kind == Kind.JSON) {
                text.append("{\"id\":").append(id).append(",\"user\":\"user").append(random.nextInt(1000))
                    .append("\",\"latencyMs\":").append(random.nextInt(5000) / 10.0).append("},\n");
            } else {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
            }
        }
        System.arraycopy(text.toString().getBytes(StandardCharsets.US_ASCII), 0, out, 0, size);
        return out;
    }

    static Stream<Arguments> inputs() {
        List<Arguments> inputs = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (int size : SIZES) {
                inputs.add(Arguments.of(kind, size));
            }
        }
        return inputs.stream();
    }

    @Test
    void shouldBeNamedDeflateAndAlwaysAvailable() {
        assertEquals("deflate", provider.name());
        assertTrue(provider.isAvailable());
    }

    @ParameterizedTest(name = "{0} {1} B")
    @MethodSource("inputs")
    void shouldRoundTripWhenBothBuffersAreDirect(Kind kind, int size) {
        byte[] data = data(kind, size, size);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(size)));
        ByteBuffer out = ByteBuffer.allocateDirect(size);
        provider.decompress(compressed, out, size);
        assertFalse(compressed.hasRemaining(), "src consumed");
        assertArrayEquals(data, bytes(out.flip()));
        if (kind != Kind.RANDOM && size >= 4096) {
            assertTrue(compressed.limit() < size * 3 / 4, kind + " compresses: " + compressed.limit() + " of " + size);
        }
    }

    @ParameterizedTest(name = "{0} {1} B")
    @MethodSource("inputs")
    void shouldRoundTripWhenBuffersAreHeapSlicesWithOffsets(Kind kind, int size) {
        byte[] data = data(kind, size, size + 1);
        ByteBuffer src = ByteBuffer.allocate(size + 20).position(7).slice().put(3, data).position(3).limit(3 + size);
        ByteBuffer dst = ByteBuffer.allocate(bound(size) + 40).position(11).slice().position(5);
        int length = provider.compress(src, dst);
        assertEquals(5 + length, dst.position());
        ByteBuffer out = ByteBuffer.allocate(size + 30).position(13).slice().position(2);
        provider.decompress(dst.flip().position(5), out, size);
        assertEquals(2 + size, out.position());
        assertArrayEquals(data, bytes(out.flip().position(2)));
    }

    @Test
    void shouldWriteRawDeflateThatTheJdkInflatesWhenReadWithoutAZlibHeader() throws Exception {
        byte[] data = data(Kind.JSON, 3000, 1);
        ByteBuffer compressed = compress(ByteBuffer.wrap(data), ByteBuffer.allocate(bound(data.length)));
        java.util.zip.Inflater raw = new java.util.zip.Inflater(true);
        try {
            raw.setInput(bytes(compressed));
            byte[] out = new byte[data.length];
            assertEquals(data.length, raw.inflate(out));
            assertTrue(raw.finished());
            assertArrayEquals(data, out);
        } finally {
            raw.end();
        }
    }

    @Test
    void shouldRoundTripWhenTheSourceIsReadOnlyOrBuffersMix() {
        byte[] data = data(Kind.TEXT, 20_000, 4);
        ByteBuffer heap = compress(ByteBuffer.wrap(data).asReadOnlyBuffer(), ByteBuffer.allocateDirect(bound(20_000)));
        ByteBuffer direct = compress(direct(data).asReadOnlyBuffer(), ByteBuffer.allocate(bound(20_000)));
        for (ByteBuffer compressed : List.of(heap.asReadOnlyBuffer(), direct.asReadOnlyBuffer())) {
            for (ByteBuffer out : List.of(ByteBuffer.allocate(20_000), ByteBuffer.allocateDirect(20_000))) {
                provider.decompress(compressed.duplicate(), out, 20_000);
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
                () -> provider.decompress(compressed, out, claim));
            assertEquals("deflate", e.algorithm());
            assertEquals(claim, e.claimedLength());
            assertEquals("deflate: data decompresses to more than the claimed length (claimed 16384 bytes, actual "
                + "unknown)", e.getMessage());
            assertGuardIntact(out, claim);
            assertEquals(0, compressed.position(), "src position unchanged on failure");
            assertEquals(0, out.position(), "dst position unchanged on failure");
        }
    }

    @Test
    void shouldRefuseWhenTheDataEndsExactlyAtTheClaimButTheStreamGoesOn() {
        // The first 16 KiB of output are complete when the stream still holds more: the probe byte must see it.
        byte[] data = data(Kind.RANDOM, 16 * 1024 + 1, 2);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        ByteBuffer out = guarded(16 * 1024, false);
        assertThrows(CompressionException.class, () -> provider.decompress(compressed, out, 16 * 1024));
        assertGuardIntact(out, 16 * 1024);
    }

    @Test
    void shouldRefuseWhenTheDataDecompressesToFewerBytesThanClaimed() {
        byte[] data = data(Kind.JSON, 4096, 5);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(4096)));
        ByteBuffer out = guarded(8192, true);
        CompressionException e = assertThrows(CompressionException.class,
            () -> provider.decompress(compressed, out, 8192));
        assertEquals(4096, e.actualLength(), e.getMessage());
        assertEquals("deflate: data decompresses to fewer bytes than claimed (claimed 8192 bytes, actual 4096 bytes)",
            e.getMessage());
        assertGuardIntact(out, 8192);
    }

    @Test
    void shouldRefuseWhenTheStreamIsTruncated() {
        byte[] data = data(Kind.TEXT, 65536, 6);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        int full = compressed.limit();
        for (int cut : new int[] {full - 1, full - 8, full / 2, 1, 0}) {
            ByteBuffer truncated = compressed.duplicate().limit(cut);
            ByteBuffer out = guarded(data.length, false);
            assertThrows(CompressionException.class, () -> provider.decompress(truncated, out, data.length),
                "cut at " + cut);
            assertGuardIntact(out, data.length);
        }
    }

    @Test
    void shouldRefuseWhenExtraBytesFollowTheStream() {
        byte[] data = data(Kind.JSON, 3000, 7);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        ByteBuffer padded = ByteBuffer.allocate(compressed.limit() + 4).put(compressed).putInt(0x01020304).flip();
        CompressionException e = assertThrows(CompressionException.class,
            () -> provider.decompress(padded, ByteBuffer.allocate(3000), 3000));
        assertTrue(e.getMessage().contains("4 bytes follow the end of the stream"), e.getMessage());
    }

    @Test
    void shouldRefuseWhenTheDataIsGarbage() {
        for (long seed = 0; seed < 32; seed++) {
            for (int size : new int[] {1, 16, 1024}) {
                ByteBuffer garbage = ByteBuffer.wrap(data(Kind.RANDOM, size, seed));
                ByteBuffer out = guarded(4096, seed % 2 == 0);
                assertThrows(CompressionException.class, () -> provider.decompress(garbage, out, 4096),
                    "seed " + seed + ", " + size + " B");
                assertGuardIntact(out, 4096);
            }
        }
    }

    @Test
    void shouldRefuseWhenTheStreamHasAZlibHeader() {
        byte[] data = data(Kind.TEXT, 2000, 8);
        Deflater zlib = new Deflater(Deflater.BEST_SPEED, false);
        byte[] wrapped = new byte[4000];
        int length;
        try {
            zlib.setInput(data);
            zlib.finish();
            length = zlib.deflate(wrapped);
        } finally {
            zlib.end();
        }
        ByteBuffer src = ByteBuffer.wrap(wrapped, 0, length);
        assertThrows(CompressionException.class, () -> provider.decompress(src, ByteBuffer.allocate(2000), 2000));
    }

    @Test
    void shouldRefuseAGibibyteClaimForA16KibStreamBeforeDecompressingWhenTheRatioCapApplies() {
        byte[] data = data(Kind.RANDOM, 16 * 1024, 8);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        int claim = 1 << 30;
        CompressionException e = assertThrows(CompressionException.class, () -> {
            CompressionLimits.checkRatio(provider.name(), compressed.remaining(), claim,
                CompressionLimits.MAX_RATIO_DEFAULT);
            provider.decompress(compressed, ByteBuffer.allocateDirect(claim), claim);
        });
        assertEquals(claim, e.claimedLength());
        assertTrue(e.getMessage().startsWith("deflate: claimed length is more than 1024 times the compressed length "),
            e.getMessage());
        assertEquals(0, compressed.position(), "nothing was read");
    }

    @Test
    void shouldRefuseACallerBugWithAPlainIllegalArgumentWhenDstIsTooSmall() {
        byte[] data = data(Kind.JSON, 1000, 9);
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> provider.decompress(compressed, ByteBuffer.allocate(999), 1000));
        assertFalse(CompressionException.class.isInstance(e), "not the peer's fault");
        assertThrows(IllegalArgumentException.class,
            () -> provider.compress(ByteBuffer.wrap(data), ByteBuffer.allocate(bound(1000) - 1)));
        assertThrows(IllegalArgumentException.class, () -> provider.decompress(compressed, ByteBuffer.allocate(1000),
            -1));
        assertThrows(IllegalArgumentException.class, () -> provider.maxCompressedLength(-1));
    }

    @Test
    void shouldStayWithinMaxCompressedLengthWhenTheDataIsIncompressible() {
        for (int size = 0; size <= 3000; size += 7) {
            assertWithinBound(data(Kind.RANDOM, size, size));
        }
        for (int size : new int[] {16383, 16384, 65535, 65536, 65537, 1 << 20, (1 << 20) + 1, 4 << 20}) {
            assertWithinBound(data(Kind.RANDOM, size, size));
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
                        byte[] data = data(Kind.values()[(thread + i) % 3], 100 + 97 * i, thread * 1000L + i);
                        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
                        ByteBuffer out = ByteBuffer.allocate(data.length);
                        provider.decompress(compressed, out, data.length);
                        assertArrayEquals(data, out.array());
                    }
                    provider.onThreadExit();
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
        byte[] data = data(Kind.TEXT, 5000, 10);
        provider.onThreadExit();
        provider.onThreadExit();
        ByteBuffer compressed = compress(direct(data), ByteBuffer.allocateDirect(bound(data.length)));
        provider.onThreadExit();
        ByteBuffer out = ByteBuffer.allocate(data.length);
        provider.decompress(compressed, out, data.length);
        assertArrayEquals(data, out.array());
    }

    private void assertWithinBound(byte[] data) {
        int bound = bound(data.length);
        ByteBuffer dst = ByteBuffer.allocate(bound);
        int length = provider.compress(ByteBuffer.wrap(data), dst);
        assertTrue(length <= bound, data.length + " B: " + length + " > " + bound);
        ByteBuffer out = ByteBuffer.allocate(data.length);
        provider.decompress(dst.flip(), out, data.length);
        assertArrayEquals(data, out.array());
    }

    private int bound(int size) {
        return provider.maxCompressedLength(size);
    }

    private ByteBuffer compress(ByteBuffer src, ByteBuffer dst) {
        int start = dst.position();
        int length = provider.compress(src, dst);
        assertFalse(src.hasRemaining(), "src consumed");
        assertEquals(start + length, dst.position());
        return dst.flip();
    }

    private static ByteBuffer direct(byte[] data) {
        return ByteBuffer.allocateDirect(data.length).put(data).flip();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static ByteBuffer guarded(int claim, boolean direct) {
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(claim + GUARD_LENGTH)
            : ByteBuffer.allocate(claim + GUARD_LENGTH);
        for (int i = claim; i < buffer.capacity(); i++) {
            buffer.put(i, GUARD);
        }
        return buffer;
    }

    private static void assertGuardIntact(ByteBuffer buffer, int claim) {
        byte[] guard = new byte[buffer.capacity() - claim];
        buffer.get(claim, guard);
        byte[] expected = new byte[guard.length];
        Arrays.fill(expected, GUARD);
        assertArrayEquals(expected, guard, "nothing written past the claimed " + claim + " bytes");
    }
}
