package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.TYPE_PING;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;
import static dev.netproto.core.FrameDescriptor.TYPE_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A large echo through the reader and the writer together, as the connection wires them, with no socket: a cut
 * frame's bytes move once at most (into a spill buffer of the frame's size, read no further than the frame), and an
 * answer with the request's own body queues that spill buffer itself, with no copy, unless the body is compressed
 * (under Noise the record layer copies it anyway, as it seals). Every buffer goes back to the pool.
 */
@Timeout(60)
class ZeroCopyEchoTest {
    private static final int PAYLOAD = 1 + 4;

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final PooledBuffer readBuffer = new PooledBuffer(EventLoop.READ_BUFFER_SIZE, -1);
    private final Outbound outbound = new Outbound(pool);
    private final FrameWriter writer = new FrameWriter(outbound, counters, queuedBytes -> { });
    private final Echo echo = new Echo();
    private final FrameReader reader = new FrameReader(pool, echo, counters, 64 * 1024 * 1024);

    /** Answers every request with its own body, through {@link FrameWriter#response}, as the connection does. */
    private final class Echo implements FrameReader.Frames {
        final List<Integer> results = new ArrayList<>();
        boolean compress;

        @Override
        public boolean accepting() {
            return true;
        }

        @Override
        public boolean admit(int type) {
            return true;
        }

        @Override
        public void onHello(ByteBuffer b, int offset, int length) {
            throw new AssertionError("HELLO");
        }

        @Override
        public void onHandshake(ByteBuffer b, int offset, int length) {
            throw new AssertionError("HANDSHAKE");
        }

        @Override
        public void onResponse(PooledBuffer src, int requestId, boolean compressed, int offset, int length) {
            throw new AssertionError("RESPONSE");
        }

        @Override
        public void onError(ByteBuffer b, int requestId, int code, int offset, int length) {
            throw new AssertionError("ERROR");
        }

        @Override
        public void onPing(ByteBuffer b, int offset) {
            throw new AssertionError("PING");
        }

        @Override
        public void onPong(ByteBuffer b, int offset) {
            throw new AssertionError("PONG");
        }

        @Override
        public void onGoAway(ByteBuffer b, int offset, int length) {
            throw new AssertionError("GOAWAY");
        }

        @Override
        public void onClose(ByteBuffer b, int code, int offset, int length) {
            throw new AssertionError("CLOSE");
        }

        @Override
        public void onProtocolError(ErrorCode code, String reason) {
            throw new AssertionError(code + ": " + reason);
        }

        @Override
        public void onRequest(PooledBuffer src, int type, int requestId, boolean compressed, int offset, int length,
                              int routeLength) {
            int bodyOffset = offset + 1 + routeLength;
            int end = offset + length;
            ByteBuffer body = src.view(bodyOffset, end - bodyOffset);
            byte[] before = new byte[body.remaining()];
            body.get(bodyOffset, before);
            int result = writer.response(requestId, body, compress, reader.spillEndsAt(src, end) ? src : null);
            if (result == FrameWriter.ADOPTED) {
                reader.handOffSpill();
            }
            results.add(result);
            byte[] after = new byte[end - bodyOffset];
            src.buf.get(bodyOffset, after);
            assertArrayEquals(before, after, "the body changed while its handler ran");
        }
    }

    @AfterEach
    void returnsEveryBuffer() {
        reader.release();
        writer.releaseAll();
        assertEquals(0, pool.inUse(), "a pooled buffer was not returned");
        pool.close();
    }

    private static byte[] request(int requestId, byte[] body) {
        return FrameReaderTest.frame(TYPE_REQUEST, 0, requestId, FrameReaderTest.routed("echo", body));
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + (i >> 8) + seed);
        }
        return b;
    }

    /** Feeds bytes as reads do: into the reader's target, as much as it has room for. */
    private void feed(byte[] stream, int from, int to) {
        int at = from;
        while (at < to) {
            PooledBuffer target = reader.target(readBuffer);
            int n = Math.min(to - at, target.buf.remaining());
            assertTrue(n > 0, "no room for the next read at byte " + at);
            target.buf.put(stream, at, n).flip();
            at += n;
            reader.read(target);
        }
        readBuffer.buf.clear();
    }

    /** What the writer queued, as (type, request id, payload) frames; the queue is empty afterwards. */
    private List<FrameWriterTest.Wire> written() throws IOException {
        ByteSink sink = new ByteSink();
        assertEquals(writer.queuedBytes(), writer.writeTo(sink));
        assertTrue(writer.isEmpty());
        return FrameWriterTest.parse(sink.bytes());
    }

    /**
     * Frame lengths around the spill buffer classes (4 KiB, 16 KiB, 32 KiB) and the 16 KiB echo (16,405 bytes), cut
     * at every byte within 64 of either end and at every fifth byte between, with a small frame after them: the part
     * before the cut moves once (plus the header once more when the cut fell inside it and the frame outgrows the
     * smallest spill buffer), the rest is read straight into the spill buffer and no further, and the answer goes out
     * in that buffer.
     */
    @Test
    void shouldMoveACutFramesBytesOnceAndAnswerFromItsOwnBuffer() throws IOException {
        for (int frameLength : new int[] {4095, 4096, 4097, 16383, 16384, 16385, 16405, 32768}) {
            byte[] body = pattern(frameLength - HEADER_LENGTH - PAYLOAD, frameLength);
            byte[] first = request(1, body);
            byte[] stream = FrameReaderTest.concat(first, request(2, new byte[] {42}));
            for (int cut = 1; cut < frameLength; cut += cut < 64 || cut > frameLength - 64 ? 1 : 5) {
                long movedBefore = counters.read(LoopCounters.SPILL_BYTES_MOVED);
                echo.results.clear();
                feed(stream, 0, cut);
                assertTrue(reader.hasPartialFrame(), "cut at " + cut);
                int room = reader.target(readBuffer).buf.remaining();
                assertEquals(cut < HEADER_LENGTH ? HEADER_LENGTH - cut : frameLength - cut, room,
                    "the spill buffer takes the rest of the " + (cut < HEADER_LENGTH ? "header" : "frame")
                        + " and no more, cut at " + cut);
                feed(stream, cut, stream.length);
                assertFalse(reader.hasPartialFrame(), "cut at " + cut);
                long moved = counters.read(LoopCounters.SPILL_BYTES_MOVED) - movedBefore;
                long expected = cut + (cut < HEADER_LENGTH && frameLength > FrameReader.MIN_SPILL ? HEADER_LENGTH : 0);
                assertEquals(expected, moved, "bytes moved, frame of " + frameLength + " cut at " + cut);
                assertEquals(List.of(FrameWriter.ADOPTED, FrameWriter.COPIED), echo.results, "cut at " + cut);
                List<FrameWriterTest.Wire> out = written();
                assertEquals(2, out.size());
                assertEquals(TYPE_RESPONSE, out.get(0).type());
                assertEquals(1, out.get(0).requestId());
                assertArrayEquals(body, out.get(0).payload(), "frame of " + frameLength + " cut at " + cut);
                assertArrayEquals(new byte[] {42}, out.get(1).payload());
                assertEquals(0, pool.inUse(), "cut at " + cut);
            }
        }
    }

    @Test
    void shouldCopyAnswersToFramesThatArrivedWhole() throws IOException {
        byte[] a = pattern(20_000, 1);
        byte[] b = pattern(30, 2);
        byte[] c = pattern(20_000, 3);
        byte[] stream = FrameReaderTest.concat(request(1, a), request(2, b), request(3, c));
        feed(stream, 0, stream.length);
        assertEquals(List.of(FrameWriter.COPIED, FrameWriter.COPIED, FrameWriter.COPIED), echo.results,
            "whole frames lie in the shared read buffer");
        List<FrameWriterTest.Wire> out = written();
        assertArrayEquals(a, out.get(0).payload());
        assertArrayEquals(b, out.get(1).payload());
        assertArrayEquals(c, out.get(2).payload());
        assertEquals(0, counters.read(LoopCounters.FRAMES_ADOPTED));
    }

    @Test
    void shouldPackLaterFramesAfterAnAdoptedResponseAndReleaseItOnce() throws IOException {
        byte[] body = pattern(16384, 7);
        byte[] first = request(1, body);
        feed(first, 0, 100);
        feed(first, 100, first.length);
        assertEquals(List.of(FrameWriter.ADOPTED), echo.results);
        writer.error(9, ErrorCode.APPLICATION_ERROR, "packed into the adopted buffer's free end");
        writer.ping(5);
        List<FrameWriterTest.Wire> out = written();
        assertEquals(3, out.size());
        assertArrayEquals(body, out.get(0).payload());
        assertEquals(9, out.get(1).requestId());
        assertEquals(TYPE_PING, out.get(2).type());
        assertEquals(1, counters.read(LoopCounters.FRAMES_ADOPTED));
    }

    @Test
    void shouldCopyWhenTheBodyIsCompressed() throws IOException {
        writer.compression(new DeflateCompressionProvider(), Compressibility.MIN_LENGTH_DEFAULT, 1024,
            new Compressibility());
        echo.compress = true;
        byte[] body = new byte[16384];
        Arrays.fill(body, (byte) 'a');
        byte[] first = request(1, body);
        feed(first, 0, 1000);
        feed(first, 1000, first.length);
        assertEquals(List.of(FrameWriter.COPIED), echo.results);
        List<FrameWriterTest.Wire> out = written();
        assertEquals(FrameDescriptor.FLAG_COMPRESSED, out.get(0).flags(), "compressed, so copied");
        assertEquals(0, counters.read(LoopCounters.FRAMES_ADOPTED));
    }
}
