package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BodyInflaterTest {
    private static final int MAX = 1 << 20;
    private static final int RATIO = 1024;
    /** Where the body starts in the source buffer, as after a frame header and a route. */
    private static final int AT = 21;

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final List<String> refusals = new ArrayList<>();
    private final BodyInflater inflater = new BodyInflater(pool, MAX, RATIO,
        (code, reason) -> refusals.add(code + ": " + reason));
    private final DeflateCompressionProvider deflate = new DeflateCompressionProvider();
    private final List<PooledBuffer> sources = new ArrayList<>();

    BodyInflaterTest() {
        inflater.codec(deflate);
    }

    @AfterEach
    void returnsEveryBuffer() {
        sources.forEach(pool::release);
        assertEquals(0, pool.inUse(), "a pooled buffer was not returned");
        assertEquals(0, counters.read(LoopCounters.BUFFERS_IN_USE));
        pool.close();
    }

    private static byte[] text(int length) {
        return "abcabcabd-".repeat(length / 10 + 1).substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] compressed(byte[] body) {
        ByteBuffer out = ByteBuffer.allocate(deflate.maxCompressedLength(body.length));
        int n = deflate.compress(ByteBuffer.wrap(body), out);
        byte[] bytes = new byte[n];
        out.get(0, bytes);
        return bytes;
    }

    /** A pooled source buffer holding the claimed length and the compressed bytes at {@link #AT}. */
    private PooledBuffer source(int claimed, byte[] compressed) {
        PooledBuffer src = pool.acquire(AT + 4 + compressed.length);
        sources.add(src);
        src.buf.putInt(AT, claimed).put(AT + 4, compressed);
        return src;
    }

    @Test
    void shouldInflateABodyOfExactlyItsStatedLength() {
        byte[] body = text(5000);
        byte[] deflated = compressed(body);
        PooledBuffer src = source(body.length, deflated);
        PooledBuffer out = inflater.inflate(src, AT, 4 + deflated.length);
        assertNotNull(out, refusals.toString());
        assertEquals(0, out.buf.position());
        assertEquals(body.length, out.buf.limit());
        byte[] inflated = new byte[body.length];
        out.buf.get(0, inflated);
        assertArrayEquals(body, inflated);
        assertEquals(2, pool.inUse(), "the source and the body");
        inflater.release(out);
        assertEquals(1, pool.inUse());
        assertEquals(List.of(), refusals);
    }

    @Test
    void shouldInflateAnEmptyBody() {
        PooledBuffer out = inflater.inflate(source(0, compressed(new byte[0])), AT, 4 + compressed(new byte[0])
            .length);
        assertNotNull(out, refusals.toString());
        assertEquals(0, out.buf.remaining());
        inflater.release(out);
    }

    @Test
    void shouldRefuseABodyWithoutRoomForItsLength() {
        assertNull(inflater.inflate(source(0, new byte[0]), AT, 3));
        assertEquals(List.of("DECOMPRESSION_FAILED: compressed body of 3 bytes has no room for its length prefix"),
            refusals);
        assertEquals(1, pool.inUse(), "only the source");
    }

    @Test
    void shouldRefuseAClaimAboveTheMaximumFrameLength() {
        byte[] deflated = compressed(text(5000));
        assertNull(inflater.inflate(source(MAX + 1, deflated), AT, 4 + deflated.length));
        assertNull(inflater.inflate(source(-1, deflated), AT, 4 + deflated.length));
        assertEquals(List.of(
            "DECOMPRESSION_FAILED: compressed body claims 1048577 bytes, more than the maximum frame length of "
                + "1048576",
            "DECOMPRESSION_FAILED: compressed body claims 4294967295 bytes, more than the maximum frame length of "
                + "1048576"), refusals);
        assertEquals(2, pool.inUse(), "only the sources: no room was made");
    }

    @Test
    void shouldRefuseAClaimBeyondTheRatioCapBeforeMakingRoom() {
        byte[] tiny = new byte[10];
        assertNull(inflater.inflate(source(10 * RATIO + 1, tiny), AT, 4 + tiny.length));
        assertEquals(List.of("DECOMPRESSION_FAILED: compressed body of 10 bytes claims 10241 bytes, more than 1024 "
            + "times as many (the ratio cap)"), refusals);
        assertEquals(1, pool.inUse(), "no room was made for the claim");
    }

    @Test
    void shouldLetAClaimAtTheRatioCapThroughToTheDecompressor() {
        byte[] zeros = new byte[10 * RATIO];
        byte[] deflated = compressed(zeros);
        assertTrue(deflated.length * RATIO >= zeros.length, "deflate stays within the cap");
        PooledBuffer out = inflater.inflate(source(zeros.length, deflated), AT, 4 + deflated.length);
        assertNotNull(out, refusals.toString());
        inflater.release(out);

        byte[] garbage = new byte[10];
        assertNull(inflater.inflate(source(10 * RATIO, garbage), AT, 4 + garbage.length));
        assertTrue(refusals.get(0).startsWith("DECOMPRESSION_FAILED: deflate body refused: "), refusals.get(0));
    }

    @Test
    void shouldRefuseCorruptDataAndGiveItsBufferBack() {
        byte[] deflated = compressed(text(5000));
        // Block type 3 is reserved: no inflater accepts it.
        deflated[0] |= 0x06;
        long before = counters.read(LoopCounters.BUFFERS_IN_USE);
        assertNull(inflater.inflate(source(5000, deflated), AT, 4 + deflated.length));
        assertEquals(1, refusals.size());
        assertTrue(refusals.get(0).startsWith("DECOMPRESSION_FAILED: deflate body refused: "), refusals.get(0));
        assertEquals(before + 1, counters.read(LoopCounters.BUFFERS_IN_USE), "only the new source is out");
    }

    @Test
    void shouldRefuseABodyWhoseStatedLengthIsWrong() {
        byte[] body = text(5000);
        byte[] deflated = compressed(body);
        assertNull(inflater.inflate(source(body.length - 1, deflated), AT, 4 + deflated.length));
        assertNull(inflater.inflate(source(body.length + 1, deflated), AT, 4 + deflated.length));
        assertNull(inflater.inflate(source(body.length, deflated), AT, 4 + deflated.length - 1));
        assertEquals(3, refusals.size(), refusals.toString());
        for (String r : refusals) {
            assertTrue(r.startsWith("DECOMPRESSION_FAILED: deflate body refused: "), r);
        }
        assertEquals(3, pool.inUse(), "only the sources");
    }
}
