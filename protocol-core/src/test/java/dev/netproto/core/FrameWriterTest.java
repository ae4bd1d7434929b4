package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.COMPRESSED_LENGTH_PREFIX;
import static dev.netproto.core.FrameDescriptor.FLAG_COMPRESSED;
import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.MAX_TEXT_LENGTH;
import static dev.netproto.core.FrameDescriptor.TYPE_CLOSE;
import static dev.netproto.core.FrameDescriptor.TYPE_ERROR;
import static dev.netproto.core.FrameDescriptor.TYPE_GOAWAY;
import static dev.netproto.core.FrameDescriptor.TYPE_HANDSHAKE;
import static dev.netproto.core.FrameDescriptor.TYPE_HELLO;
import static dev.netproto.core.FrameDescriptor.TYPE_MESSAGE;
import static dev.netproto.core.FrameDescriptor.TYPE_PING;
import static dev.netproto.core.FrameDescriptor.TYPE_PONG;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;
import static dev.netproto.core.FrameDescriptor.TYPE_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FrameWriterTest {
    private static final int MIN_LENGTH = Compressibility.MIN_LENGTH_DEFAULT;
    private static final byte[] ROUTE = "echo".getBytes(StandardCharsets.US_ASCII);

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final Outbound outbound = new Outbound(pool);
    private final List<Long> queued = new ArrayList<>();
    private final CountingCompression deflate = new CountingCompression();
    private FrameWriter writer = writer(CompressionLimits.MAX_RATIO_DEFAULT, new Compressibility());

    @AfterEach
    void returnsEveryBuffer() {
        writer.releaseAll();
        assertEquals(0, pool.inUse(), "an outbound segment was not returned");
        pool.close();
    }

    /** The compression limits {@link #compress} gives the writer; set with the writer. */
    private int maxRatio;
    private Compressibility compressibility;

    private FrameWriter writer(int maxRatio, Compressibility compressibility) {
        this.maxRatio = maxRatio;
        this.compressibility = compressibility;
        return new FrameWriter(outbound, counters, queued::add);
    }

    /** Negotiates compression on the current writer, as HELLO does. */
    private void compress(CompressionProvider codec) {
        writer.compression(codec, MIN_LENGTH, maxRatio, compressibility);
    }

    /** Deflate, counting its calls; it can be told to fail. */
    static final class CountingCompression implements CompressionProvider {
        private final DeflateCompressionProvider deflate = new DeflateCompressionProvider();
        int compressCalls;
        boolean fail;

        @Override
        public String name() {
            return deflate.name();
        }

        @Override
        public int maxCompressedLength(int length) {
            return deflate.maxCompressedLength(length);
        }

        @Override
        public int compress(ByteBuffer src, ByteBuffer dst) {
            compressCalls++;
            if (fail) {
                src.position(src.limit());
                dst.put((byte) 0x77);
                throw new IllegalStateException("compressor broke");
            }
            return deflate.compress(src, dst);
        }

        @Override
        public void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength) {
            deflate.decompress(src, dst, uncompressedLength);
        }
    }

    /** One frame as it went on the wire. */
    record Wire(int type, int flags, int requestId, int wireLength, byte[] payload) {
        String text(int from) {
            return new String(payload, from, payload.length - from, StandardCharsets.UTF_8);
        }
    }

    /** Splits written bytes into frames, checking each header with FrameCodec. */
    static List<Wire> parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<Wire> frames = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            assertTrue(bytes.length - pos >= HEADER_LENGTH, "a cut header at byte " + pos);
            assertEquals(FrameCodec.OK, FrameCodec.checkHeader(b, pos, Integer.MAX_VALUE, true), "header at byte "
                + pos);
            int length = FrameCodec.payloadLength(b, pos);
            assertTrue(pos + HEADER_LENGTH + length <= bytes.length, "a cut payload at byte " + pos);
            int plain = length;
            int flags = b.get(pos + FrameDescriptor.FLAGS_OFFSET) & 0xFF;
            frames.add(new Wire(b.get(pos + FrameDescriptor.TYPE_OFFSET), flags,
                b.getInt(pos + FrameDescriptor.REQUEST_ID_OFFSET), length,
                Arrays.copyOfRange(bytes, pos + HEADER_LENGTH, pos + HEADER_LENGTH + plain)));
            pos += HEADER_LENGTH + length;
        }
        return frames;
    }

    private List<Wire> written() throws IOException {
        ByteSink sink = new ByteSink();
        long queuedBytes = writer.queuedBytes();
        assertEquals(queuedBytes, writer.writeTo(sink));
        assertTrue(writer.isEmpty());
        return parse(sink.bytes());
    }

    private static byte[] text(int length) {
        byte[] words = "the quick brown fox jumps over the lazy dog; ".getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = words[i % words.length];
        }
        return b;
    }

    private static byte[] random(int length) {
        byte[] b = new byte[length];
        new Random(42).nextBytes(b);
        return b;
    }

    private static byte[] inflate(byte[] payload, int from) {
        int claimed = ByteBuffer.wrap(payload).getInt(from);
        ByteBuffer out = ByteBuffer.allocate(claimed);
        new DeflateCompressionProvider().decompress(ByteBuffer.wrap(payload, from + COMPRESSED_LENGTH_PREFIX,
            payload.length - from - COMPRESSED_LENGTH_PREFIX), out, claimed);
        return out.array();
    }

    // ---------------------------------------------------------------- control frames

    @Test
    void shouldWriteEachControlFrame() throws IOException {
        Hello hello = new HelloNegotiator(1 << 20, "none", new CompressionProvider[] {deflate}).offer(List.of("p"));
        writer.hello(hello);
        writer.handshake(new byte[] {4, 5, 6});
        writer.ping(0x0102030405060708L);
        writer.pong(-2L);
        writer.error(9, ErrorCode.HANDLER_FAILED, "boom \u00fc");
        writer.goAway(7, ErrorCode.SHUTTING_DOWN, "bye");
        writer.close(ErrorCode.NORMAL, "done");
        assertEquals(7, counters.read(LoopCounters.FRAMES_SENT));
        long total = writer.queuedBytes();
        assertEquals(total, counters.read(LoopCounters.OUTBOUND_BYTES));

        List<Wire> frames = written();
        assertEquals(7, frames.size());
        assertEquals(List.of(TYPE_HELLO, TYPE_HANDSHAKE, TYPE_PING, TYPE_PONG, TYPE_ERROR, TYPE_GOAWAY, TYPE_CLOSE),
            frames.stream().map(Wire::type).toList());
        assertEquals(List.of(0, 0, 0, 0, 9, 0, 0), frames.stream().map(Wire::requestId).toList());
        assertEquals(List.of(0, 0, 0, 0, 0, 0, 0), frames.stream().map(Wire::flags).toList());

        byte[] helloPayload = frames.get(0).payload();
        assertEquals(hello.encodedLength(), helloPayload.length);
        Hello decoded = assertDoesNotThrowDecode(helloPayload);
        assertArrayEquals(hello.versions(), decoded.versions());
        assertEquals(1 << 20, decoded.maxFrameLength());
        assertEquals(List.of("none"), decoded.security());
        assertEquals(List.of("deflate"), decoded.compression());
        assertEquals(List.of("p"), decoded.securityParameters());

        assertArrayEquals(new byte[] {4, 5, 6}, frames.get(1).payload());
        assertEquals(0x0102030405060708L, ByteBuffer.wrap(frames.get(2).payload()).getLong());
        assertEquals(-2L, ByteBuffer.wrap(frames.get(3).payload()).getLong());
        assertEquals(8, frames.get(3).payload().length);

        ByteBuffer error = ByteBuffer.wrap(frames.get(4).payload());
        assertEquals(ErrorCode.HANDLER_FAILED.code(), error.getShort(0));
        assertEquals("boom \u00fc", frames.get(4).text(2));
        assertEquals(2 + 7, frames.get(4).payload().length, "UTF-8, two bytes for the umlaut");

        ByteBuffer goAway = ByteBuffer.wrap(frames.get(5).payload());
        assertEquals(7, goAway.getInt(0));
        assertEquals(ErrorCode.SHUTTING_DOWN.code(), goAway.getShort(4));
        assertEquals("bye", frames.get(5).text(6));

        assertEquals(ErrorCode.NORMAL.code(), ByteBuffer.wrap(frames.get(6).payload()).getShort(0));
        assertEquals("done", frames.get(6).text(2));

        assertEquals(total, counters.read(LoopCounters.BYTES_SENT));
        assertEquals(0, counters.read(LoopCounters.OUTBOUND_BYTES));
        assertEquals(0, pool.inUse(), "written segments go back to the pool");
    }

    private static Hello assertDoesNotThrowDecode(byte[] payload) {
        try {
            return Hello.decode(ByteBuffer.wrap(payload), 0, payload.length);
        } catch (Hello.MalformedHello e) {
            throw new AssertionError("HELLO as written does not decode: " + e.getMessage(), e);
        }
    }

    @Test
    void shouldReturnTheHelloPayloadAsSent() throws IOException {
        Hello hello = new HelloNegotiator(4096, "none", new CompressionProvider[0]).offer(List.of());
        byte[] copy = writer.hello(hello);
        assertArrayEquals(written().get(0).payload(), copy);
        assertEquals(hello.encodedLength(), copy.length);
    }

    @Test
    void shouldCutLongTextsToTheMaximumTextLength() throws IOException {
        String longText = "x".repeat(MAX_TEXT_LENGTH + 500);
        writer.close(ErrorCode.TIMEOUT, longText);
        writer.error(3, ErrorCode.OVERLOADED, longText);
        writer.goAway(0, ErrorCode.NORMAL, null);
        List<Wire> frames = written();
        assertEquals(2 + MAX_TEXT_LENGTH, frames.get(0).payload().length);
        assertEquals(2 + MAX_TEXT_LENGTH, frames.get(1).payload().length);
        assertEquals(6, frames.get(2).payload().length, "no text");
    }

    // ---------------------------------------------------------------- data frames

    @Test
    void shouldWriteDataFramesWithAndWithoutRoute() throws IOException {
        ByteBuffer body = ByteBuffer.wrap("xxhello".getBytes(StandardCharsets.US_ASCII)).position(2);
        writer.data(TYPE_REQUEST, 3, ROUTE, body, false);
        assertEquals(2, body.position(), "the body's position is not changed");
        writer.data(TYPE_MESSAGE, 0, ROUTE, body, true);
        writer.data(TYPE_RESPONSE, 3, null, body, true);
        writer.data(TYPE_RESPONSE, 4, null, ByteBuffer.allocate(0), false);

        List<Wire> frames = written();
        assertEquals(4, frames.size());
        byte[] routed = {4, 'e', 'c', 'h', 'o', 'h', 'e', 'l', 'l', 'o'};
        assertEquals(TYPE_REQUEST, frames.get(0).type());
        assertEquals(3, frames.get(0).requestId());
        assertArrayEquals(routed, frames.get(0).payload());
        assertEquals(TYPE_MESSAGE, frames.get(1).type());
        assertEquals(0, frames.get(1).requestId());
        assertArrayEquals(routed, frames.get(1).payload());
        assertEquals(TYPE_RESPONSE, frames.get(2).type());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), frames.get(2).payload());
        assertEquals(0, frames.get(3).payload().length);
        assertEquals(0, deflate.compressCalls, "no compression negotiated");
    }

    @Test
    void shouldCompressAnEligibleBodyInPlace() throws IOException {
        compress(deflate);
        byte[] body = text(4000);
        writer.data(TYPE_REQUEST, 5, ROUTE, ByteBuffer.wrap(body), true);
        writer.ping(1);
        assertEquals(1, deflate.compressCalls);
        assertEquals(1, counters.read(LoopCounters.FRAMES_COMPRESSED));
        long queuedBytes = writer.queuedBytes();
        assertEquals(queuedBytes, counters.read(LoopCounters.OUTBOUND_BYTES), "the unused room was given back");

        List<Wire> frames = written();
        assertEquals(2, frames.size(), "the next frame follows the trimmed one directly");
        Wire w = frames.get(0);
        assertEquals(FLAG_COMPRESSED, w.flags());
        assertEquals(5, w.requestId());
        assertTrue(w.payload().length < body.length / 4, "compressed to " + w.payload().length);
        assertArrayEquals(ROUTE, Arrays.copyOfRange(w.payload(), 1, 5), "the route stays in the clear");
        assertEquals(body.length, ByteBuffer.wrap(w.payload()).getInt(5));
        assertArrayEquals(body, inflate(w.payload(), 5));
        assertEquals(2L * HEADER_LENGTH + w.payload().length + 8, queuedBytes);
        assertEquals(TYPE_PING, frames.get(1).type());
    }

    @Test
    void shouldCompressOnlyWhenNegotiatedAllowedAndLongEnough() throws IOException {
        writer.data(TYPE_RESPONSE, 1, null, ByteBuffer.wrap(text(4000)), true);
        compress(deflate);
        writer.data(TYPE_RESPONSE, 2, null, ByteBuffer.wrap(text(4000)), false);
        writer.data(TYPE_RESPONSE, 3, null, ByteBuffer.wrap(text(MIN_LENGTH - 1)), true);
        assertEquals(0, deflate.compressCalls);
        writer.data(TYPE_RESPONSE, 4, null, ByteBuffer.wrap(text(MIN_LENGTH)), true);
        assertEquals(1, deflate.compressCalls, "a body of exactly the minimum length is compressed");

        List<Wire> frames = written();
        assertEquals(List.of(0, 0, 0, FLAG_COMPRESSED), frames.stream().map(Wire::flags).toList());
        assertArrayEquals(text(4000), frames.get(0).payload());
        assertArrayEquals(text(MIN_LENGTH), inflate(frames.get(3).payload(), 0));
    }

    @Test
    void shouldNotTryToCompressWhatTheSampleJudgesIncompressible() throws IOException {
        compress(deflate);
        writer.data(TYPE_RESPONSE, 1, null, ByteBuffer.wrap(random(4096)), true);
        assertEquals(0, deflate.compressCalls);
        assertEquals(HEADER_LENGTH + 4096, writer.queuedBytes());
        assertArrayEquals(random(4096), written().get(0).payload());
    }

    @Test
    void shouldSendABodyThatDidNotShrinkPlainFromTheSameReservation() throws IOException {
        writer = writer(CompressionLimits.MAX_RATIO_DEFAULT, new Compressibility(8));
        compress(deflate);
        byte[] body = random(4096);
        writer.data(TYPE_MESSAGE, 0, ROUTE, ByteBuffer.wrap(body), true);
        writer.pong(3);
        assertEquals(1, deflate.compressCalls, "the sample let it through");
        assertEquals(0, counters.read(LoopCounters.FRAMES_COMPRESSED));
        long expected = HEADER_LENGTH + 1 + ROUTE.length + body.length + HEADER_LENGTH + 8;
        assertEquals(expected, writer.queuedBytes(), "the compression bound's extra room was trimmed");
        assertEquals(expected, counters.read(LoopCounters.OUTBOUND_BYTES));

        List<Wire> frames = written();
        assertEquals(0, frames.get(0).flags());
        assertArrayEquals(body, Arrays.copyOfRange(frames.get(0).payload(), 5, frames.get(0).payload().length));
        assertEquals(TYPE_PONG, frames.get(1).type());
    }

    @Test
    void shouldSendPlainWhatCompressedBeyondTheRatioCap() throws IOException {
        writer = writer(4, new Compressibility());
        compress(deflate);
        byte[] body = text(4000);
        writer.data(TYPE_RESPONSE, 1, null, ByteBuffer.wrap(body), true);
        assertEquals(1, deflate.compressCalls);
        Wire w = written().get(0);
        assertEquals(0, w.flags());
        assertArrayEquals(body, w.payload());
    }

    @Test
    void shouldSendPlainWhenTheCompressorFails() throws IOException {
        compress(deflate);
        deflate.fail = true;
        byte[] body = text(2000);
        ByteBuffer src = ByteBuffer.wrap(body);
        writer.data(TYPE_MESSAGE, 0, ROUTE, src, true);
        assertEquals(0, src.position(), "the body's position is restored");
        Wire w = written().get(0);
        assertEquals(0, w.flags());
        assertEquals(1 + ROUTE.length + body.length, w.payload().length);
        assertArrayEquals(body, Arrays.copyOfRange(w.payload(), 5, w.payload().length));
    }

    // ---------------------------------------------------------------- the bytes before records

    @Test
    void shouldWriteOnlyTheBytesQueuedBeforeTheStreamBecameRecords() throws IOException {
        writer.ping(1);
        writer.handshake(new byte[] {7, 7});
        long before = writer.queuedBytes();
        writer.data(TYPE_RESPONSE, 1, null, ByteBuffer.wrap(random(100_000)), false);
        writer.pong(2);
        ByteSink sink = new ByteSink(5);
        long sent = 0;
        while (sent < before) {
            long n = writer.writeTo(sink, before - sent);
            assertTrue(n > 0 && n <= 5, "wrote " + n);
            sent += n;
        }
        assertEquals(before, sent, "not one byte past the switch");
        List<Wire> clear = parse(sink.bytes());
        assertEquals(2, clear.size());
        assertEquals(TYPE_HANDSHAKE, clear.get(1).type());
        ByteSink rest = new ByteSink();
        writer.writeTo(rest);
        List<Wire> after = parse(rest.bytes());
        assertEquals(2, after.size(), "the rest, whole, from the next write");
        assertEquals(0, pool.inUse());
    }

    // ---------------------------------------------------------------- queue and writes

    @Test
    void shouldTellTheConnectionOncePerFrameWithTheQueuedBytes() {
        writer.ping(1);
        writer.handshake(new byte[10]);
        writer.data(TYPE_RESPONSE, 1, null, ByteBuffer.wrap(new byte[100]), false);
        assertEquals(List.of(24L, 50L, 166L), queued);
        compress(deflate);
        writer.data(TYPE_RESPONSE, 2, null, ByteBuffer.wrap(text(4000)), true);
        assertEquals(4, queued.size());
        assertTrue(queued.get(3) >= writer.queuedBytes(), "told before the unused room is given back");
        assertEquals(counters.read(LoopCounters.FRAMES_SENT), queued.size());
    }

    @Test
    void shouldWriteAcrossPartialWritesAndGiveSegmentsBack() throws IOException {
        byte[] big = random(100_000);
        writer.ping(1);
        writer.data(TYPE_RESPONSE, 1, null, ByteBuffer.wrap(big), false);
        writer.pong(2);
        assertEquals(2, pool.inUse(), "a frame larger than a segment gets its own");
        long total = writer.queuedBytes();
        ByteSink sink = new ByteSink(7_000);
        long sent = 0;
        while (!writer.isEmpty()) {
            long n = writer.writeTo(sink);
            assertTrue(n > 0 && n <= 7_000, "wrote " + n);
            sent += n;
            assertEquals(total - sent, writer.queuedBytes());
            assertEquals(total - sent, counters.read(LoopCounters.OUTBOUND_BYTES));
        }
        assertEquals(total, sent);
        assertEquals(total, counters.read(LoopCounters.BYTES_SENT));
        assertEquals(0, pool.inUse());
        assertEquals(0, writer.writeTo(sink), "nothing left to write");
        List<Wire> frames = parse(sink.bytes());
        assertEquals(3, frames.size());
        assertArrayEquals(big, frames.get(1).payload());
        writer.trim();
        writer.ping(3);
        assertEquals(HEADER_LENGTH + 8, writer.writeTo(sink), "the queue works again after a trim");
    }
}
