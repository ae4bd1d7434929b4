package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.FLAG_COMPRESSED;
import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.PRE_HELLO_MAX_LENGTH;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FrameReaderTest {
    private static final byte[] PING_DATA = {1, 2, 3, 4, 5, 6, 7, 8};

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final PooledBuffer readBuffer = new PooledBuffer(EventLoop.READ_BUFFER_SIZE, -1);
    private RecordingFrames frames = new RecordingFrames();
    private FrameReader reader = new FrameReader(pool, frames, counters, PRE_HELLO_MAX_LENGTH);

    @AfterEach
    void returnsEveryBuffer() {
        reader.release();
        assertEquals(0, pool.inUse(), "a pooled buffer was not returned");
        pool.close();
    }

    // ---------------------------------------------------------------- helpers

    static byte[] frame(int type, int flags, int requestId, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + payload.length);
        FrameCodec.writeHeader(b, 0, type, flags, requestId, payload.length);
        b.put(HEADER_LENGTH, payload);
        return b.array();
    }

    static byte[] header(int type, int flags, int requestId, int length) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH);
        FrameCodec.writeHeader(b, 0, type, flags, requestId, length);
        return b.array();
    }

    static byte[] routed(String route, byte[] body) {
        byte[] r = route.getBytes(StandardCharsets.US_ASCII);
        byte[] p = new byte[1 + r.length + body.length];
        p[0] = (byte) r.length;
        System.arraycopy(r, 0, p, 1, r.length);
        System.arraycopy(body, 0, p, 1 + r.length, body.length);
        return p;
    }

    static byte[] coded(int code, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + t.length).putShort((short) code).put(t).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + (i >> 8));
        }
        return b;
    }

    /** Feeds the stream in reads of at most {@code chunk} bytes, as the connection does; returns frames handled. */
    private int feed(byte[] stream, int chunk) {
        int at = 0;
        int handled = 0;
        while (at < stream.length && frames.accepting) {
            PooledBuffer target = reader.target(readBuffer);
            ByteBuffer buf = target.buf;
            int n = Math.min(Math.min(chunk, stream.length - at), buf.remaining());
            assertTrue(n > 0, "the reader left no room for the next read at byte " + at);
            buf.put(stream, at, n);
            at += n;
            buf.flip();
            handled += reader.read(target);
        }
        readBuffer.buf.clear();
        return handled;
    }

    private int feed(byte[] stream) {
        return feed(stream, Integer.MAX_VALUE);
    }

    private void newReader() {
        reader.release();
        frames = new RecordingFrames();
        reader = new FrameReader(pool, frames, counters, PRE_HELLO_MAX_LENGTH);
    }

    private void assertOnlyError(ErrorCode code, String reason) {
        assertEquals(List.of("error " + code + ": " + reason), frames.events);
    }

    /** One frame of every type, a zero-length one, and one larger than the smallest spill buffer. */
    private static byte[] everyType() {
        return concat(
            frame(TYPE_HELLO, 0, 0, new byte[] {0, 1, 0, 1, 1}),
            frame(TYPE_HANDSHAKE, 0, 0, new byte[] {9, 8, 7}),
            frame(TYPE_PING, 0, 0, PING_DATA),
            frame(TYPE_MESSAGE, 0, 0, routed("m", "hi".getBytes(StandardCharsets.US_ASCII))),
            frame(TYPE_REQUEST, 0, 7, routed("echo", pattern(5000))),
            frame(TYPE_RESPONSE, FLAG_COMPRESSED, 7, pattern(20)),
            frame(TYPE_ERROR, 0, 9, coded(101, "boom")),
            frame(TYPE_PONG, 0, 0, PING_DATA),
            frame(TYPE_RESPONSE, 0, 8, new byte[0]),
            frame(TYPE_GOAWAY, 0, 0, ByteBuffer.allocate(9).putInt(7).putShort((short) 9).put("bye".getBytes(
                StandardCharsets.US_ASCII)).array()),
            frame(TYPE_CLOSE, 0, 0, coded(0, "")));
    }

    // ---------------------------------------------------------------- framing

    @Test
    void shouldDeliverSeveralFramesInOneRead() {
        reader.compression("deflate");
        assertEquals(11, feed(everyType()));
        assertEquals(List.of(
            "HELLO 0001000101",
            "HANDSHAKE 090807",
            "PING 0102030405060708",
            "MESSAGE id=0 compressed=false route=m body=6869",
            "REQUEST id=7 compressed=false route=echo body=" + RecordingFrames.bytes(ByteBuffer.wrap(pattern(5000)),
                0, 5000),
            "RESPONSE id=7 compressed=true body=" + RecordingFrames.bytes(ByteBuffer.wrap(pattern(20)), 0, 20),
            "ERROR id=9 code=101 text=boom",
            "PONG 0102030405060708",
            "RESPONSE id=8 compressed=false body=",
            "GOAWAY last=7 code=9 text=bye",
            "CLOSE code=0 text="), frames.events);
        assertEquals(11, counters.read(LoopCounters.FRAMES_RECEIVED));
        assertFalse(reader.hasPartialFrame());
        assertEquals(0, pool.inUse(), "no spill buffer for frames that arrived whole");
    }

    @Test
    void shouldDeliverTheSameFramesWhateverTheReadSizes() {
        byte[] stream = everyType();
        reader.compression("deflate");
        feed(stream);
        List<String> expected = List.copyOf(frames.events);
        for (int chunk = 1; chunk <= stream.length; chunk++) {
            newReader();
            reader.compression("deflate");
            assertEquals(11, feed(stream, chunk), "reads of " + chunk);
            assertEquals(expected, frames.events, "reads of " + chunk);
            assertFalse(reader.hasPartialFrame(), "reads of " + chunk);
            assertEquals(0, pool.inUse(), "spill buffer kept after reads of " + chunk);
        }
    }

    @Test
    void shouldDeliverTheSameFramesWhenTheStreamIsCutAtAnyByte() {
        byte[] stream = everyType();
        reader.compression("deflate");
        feed(stream);
        List<String> expected = List.copyOf(frames.events);
        for (int cut = 1; cut < stream.length; cut++) {
            newReader();
            reader.compression("deflate");
            int handled = feed(Arrays.copyOf(stream, cut));
            handled += feed(Arrays.copyOfRange(stream, cut, stream.length));
            assertEquals(11, handled, "cut at " + cut);
            assertEquals(expected, frames.events, "cut at " + cut);
            assertEquals(0, pool.inUse(), "spill buffer kept after a cut at " + cut);
        }
    }

    @Test
    void shouldKeepACutFrameInASpillBufferAndReleaseItWhenTheFrameCompletes() {
        byte[] ping = frame(TYPE_PING, 0, 0, PING_DATA);
        assertEquals(0, feed(Arrays.copyOf(ping, 10)));
        assertTrue(reader.hasPartialFrame());
        assertEquals(1, pool.inUse());
        assertEquals(1, counters.read(LoopCounters.BUFFERS_IN_USE));
        assertTrue(reader.target(readBuffer) != readBuffer, "the next read goes to the spill buffer");
        assertEquals(1, feed(Arrays.copyOfRange(ping, 10, ping.length)));
        assertFalse(reader.hasPartialFrame());
        assertSame(readBuffer, reader.target(readBuffer));
        assertEquals(0, pool.inUse());
        assertEquals(0, counters.read(LoopCounters.BUFFERS_IN_USE));
        assertEquals(List.of("PING 0102030405060708"), frames.events);
    }

    @Test
    void shouldGiveTheSpillBufferBackOnReleaseOnce() {
        feed(Arrays.copyOf(frame(TYPE_RESPONSE, 0, 1, pattern(100)), 20));
        assertEquals(1, pool.inUse());
        reader.release();
        assertEquals(0, pool.inUse());
        assertFalse(reader.hasPartialFrame());
        assertSame(readBuffer, reader.target(readBuffer));
        reader.release();
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldKeepWhatWasReadWhenTheBudgetRefusesTheSpillBufferAndGrowItOnceThereIsRoom() {
        MemoryBudget budget = new MemoryBudget(1024 * 1024);
        BufferPool small = new BufferPool(counters, budget);
        RecordingFrames got = new RecordingFrames();
        FrameReader r = new FrameReader(small, got, counters, PRE_HELLO_MAX_LENGTH);
        r.opened(1024 * 1024);
        PooledBuffer hog = small.tryAcquire(512 * 1024);
        byte[] body = pattern(300_000);
        byte[] response = frame(TYPE_RESPONSE, 0, 1, body);
        // One read of 64 KiB: the frame needs a 512 KiB spill buffer, which would pass the high-water mark.
        readBuffer.buf.put(response, 0, EventLoop.READ_BUFFER_SIZE).flip();
        assertEquals(0, r.read(readBuffer));
        readBuffer.buf.clear();
        assertTrue(r.spillShort(), "the frame is cut and its buffer too small");
        assertEquals(EventLoop.READ_BUFFER_SIZE, r.heldBytes(), "the read was kept, in a buffer just large enough");
        assertEquals(1, counters.read(LoopCounters.MEMORY_REFUSALS));
        assertFalse(r.growSpill(), "still no room");
        small.release(hog);
        assertTrue(r.growSpill(), "the freed buffer is reused");
        assertFalse(r.spillShort());
        int at = EventLoop.READ_BUFFER_SIZE;
        while (at < response.length) {
            PooledBuffer target = r.target(readBuffer);
            int n = Math.min(response.length - at, target.buf.remaining());
            target.buf.put(response, at, n).flip();
            at += n;
            r.read(target);
        }
        RecordingFrames expected = new RecordingFrames();
        expected.onResponse(wrap(body), 1, false, 0, body.length);
        assertEquals(expected.events, got.events, "the frame arrives whole");
        assertEquals(0, small.inUse());
        small.close();
        assertEquals(0, budget.reserved());
    }

    private static PooledBuffer wrap(byte[] body) {
        PooledBuffer b = new PooledBuffer(body.length, -1);
        b.buf.put(body).flip();
        return b;
    }

    @Test
    void shouldDescribeTheCutFrame() {
        byte[] response = frame(TYPE_RESPONSE, 0, 1, pattern(100));
        feed(Arrays.copyOf(response, 10));
        assertEquals("10 of ? bytes of a frame", reader.describePartial());
        feed(Arrays.copyOfRange(response, 10, 20));
        assertEquals("20 of 116 bytes of a frame", reader.describePartial());
    }

    // ---------------------------------------------------------------- header problems

    private byte[] withByte(byte[] frame, int index, int value) {
        byte[] copy = frame.clone();
        copy[index] = (byte) value;
        return copy;
    }

    /**
     * Feeds a bad frame followed by a good one in the same read: the good one must not be delivered. A bad header
     * is refused before the frame counts as handled; a bad payload after.
     */
    private void assertRefused(byte[] bad, ErrorCode code, String reason) {
        newReader();
        boolean headerOk = FrameCodec.checkHeader(ByteBuffer.wrap(bad), 0, PRE_HELLO_MAX_LENGTH) == FrameCodec.OK;
        assertEquals(headerOk ? 1 : 0, feed(concat(bad, frame(TYPE_PING, 0, 0, PING_DATA))));
        assertOnlyError(code, reason);
        assertEquals(0, feed(frame(TYPE_PING, 0, 0, PING_DATA)), "the reader stopped");
        assertOnlyError(code, reason);
    }

    @Test
    void shouldMapEachHeaderProblemToItsErrorCode() {
        byte[] ping = frame(TYPE_PING, 0, 0, PING_DATA);
        assertRefused(withByte(withByte(ping, 0, 0x12), 1, 0x34), ErrorCode.BAD_MAGIC,
            "bad magic 0x1234 (expected 0x4e50)");
        assertRefused(withByte(ping, 2, 2), ErrorCode.UNSUPPORTED_VERSION,
            "unsupported frame version 2 (this side speaks 1)");
        assertRefused(withByte(ping, 3, 0), ErrorCode.MALFORMED_FRAME, "unknown frame type 0");
        assertRefused(withByte(ping, 3, 11), ErrorCode.MALFORMED_FRAME, "unknown frame type 11");
        assertRefused(frame(TYPE_REQUEST, FLAG_COMPRESSED, 1, routed("r", PING_DATA)), ErrorCode.MALFORMED_FRAME,
            "flags 0x1 or reserved bits set in a REQUEST frame (compression: none)");
        assertRefused(withByte(ping, FrameDescriptor.RESERVED8_OFFSET, 1), ErrorCode.MALFORMED_FRAME,
            "flags 0x0 or reserved bits set in a PING frame (compression: none)");
        assertRefused(withByte(ping, FrameDescriptor.RESERVED16_OFFSET + 1, 1), ErrorCode.MALFORMED_FRAME,
            "flags 0x0 or reserved bits set in a PING frame (compression: none)");
        assertRefused(frame(TYPE_REQUEST, 0, 0, routed("r", PING_DATA)), ErrorCode.MALFORMED_FRAME,
            "REQUEST frame with request id 0");
        assertRefused(frame(TYPE_RESPONSE, 0, 0, PING_DATA), ErrorCode.MALFORMED_FRAME,
            "RESPONSE frame with request id 0");
        assertRefused(frame(TYPE_ERROR, 0, 0, coded(1, "")), ErrorCode.MALFORMED_FRAME,
            "ERROR frame with request id 0");
        assertRefused(frame(TYPE_PING, 0, -5, PING_DATA), ErrorCode.MALFORMED_FRAME,
            "PING frame with request id 4294967291");
        assertRefused(frame(TYPE_MESSAGE, 0, 3, routed("r", PING_DATA)), ErrorCode.MALFORMED_FRAME,
            "MESSAGE frame with request id 3");
    }

    @Test
    void shouldAllowTheCompressedFlagOnlyOnDataFramesOnceCompressionIsNegotiated() {
        reader.compression("deflate");
        feed(frame(TYPE_MESSAGE, FLAG_COMPRESSED, 0, routed("r", PING_DATA)));
        assertEquals(List.of("MESSAGE id=0 compressed=true route=r body=0102030405060708"), frames.events);
        feed(frame(TYPE_PING, FLAG_COMPRESSED, 0, PING_DATA));
        assertEquals("error MALFORMED_FRAME: flags 0x1 or reserved bits set in a PING frame (compression: deflate)",
            frames.events.get(1));
    }

    @Test
    void shouldRefuseATooLargeFrameAsSoonAsItsHeaderArrives() {
        assertEquals(0, feed(header(TYPE_MESSAGE, 0, 0, 1 << 30)));
        assertOnlyError(ErrorCode.FRAME_TOO_LARGE,
            "MESSAGE frame payload of 1073741824 bytes exceeds the maximum of 16384 before HELLO completes");
        assertEquals(0, pool.inUse(), "no room was made for the payload");

        newReader();
        byte[] negative = header(TYPE_RESPONSE, 0, 1, -1);
        feed(Arrays.copyOf(negative, 10));
        assertTrue(frames.events.isEmpty());
        assertEquals(1, pool.inUse(), "the header's start waits in the smallest spill buffer");
        feed(Arrays.copyOfRange(negative, 10, HEADER_LENGTH));
        assertOnlyError(ErrorCode.FRAME_TOO_LARGE,
            "RESPONSE frame payload of 4294967295 bytes exceeds the maximum of 16384 before HELLO completes");
        reader.release();
        assertEquals(0, pool.inUse());
    }

    @Test
    void shouldAcceptUpToThePreHelloLimitThenTheAnnouncedOne() {
        assertEquals(1, feed(frame(TYPE_RESPONSE, 0, 1, pattern(PRE_HELLO_MAX_LENGTH))));
        feed(header(TYPE_RESPONSE, 0, 1, PRE_HELLO_MAX_LENGTH + 1));
        assertEquals("error FRAME_TOO_LARGE: RESPONSE frame payload of 16385 bytes exceeds the maximum of 16384 "
            + "before HELLO completes", frames.events.get(1));

        newReader();
        reader.opened(100_000);
        assertEquals(1, feed(frame(TYPE_RESPONSE, 0, 1, pattern(100_000)), 4096));
        assertEquals(List.of("RESPONSE id=1 compressed=false body=" + RecordingFrames.bytes(
            ByteBuffer.wrap(pattern(100_000)), 0, 100_000)), frames.events);
        assertEquals(0, pool.inUse());
        feed(header(TYPE_RESPONSE, 0, 1, 100_001));
        assertEquals("error FRAME_TOO_LARGE: RESPONSE frame payload of 100001 bytes exceeds the maximum of 100000",
            frames.events.get(1));
    }

    // ---------------------------------------------------------------- fixed payload parts

    @Test
    void shouldCheckTheFixedPartOfEachType() {
        assertRefused(frame(TYPE_PING, 0, 0, new byte[7]), ErrorCode.MALFORMED_FRAME,
            "PING payload of 7 bytes (expected 8)");
        assertRefused(frame(TYPE_PONG, 0, 0, new byte[9]), ErrorCode.MALFORMED_FRAME,
            "PONG payload of 9 bytes (expected 8)");
        assertRefused(frame(TYPE_ERROR, 0, 4, new byte[1]), ErrorCode.MALFORMED_FRAME,
            "ERROR payload of 1 bytes (at least 2)");
        assertRefused(frame(TYPE_CLOSE, 0, 0, new byte[1]), ErrorCode.MALFORMED_FRAME,
            "CLOSE payload of 1 bytes (at least 2)");
        assertRefused(frame(TYPE_GOAWAY, 0, 0, new byte[5]), ErrorCode.MALFORMED_FRAME,
            "GOAWAY payload of 5 bytes (at least 6)");
        assertRefused(frame(TYPE_MESSAGE, 0, 0, new byte[] {0, 1, 2}), ErrorCode.MALFORMED_FRAME,
            "MESSAGE with route length 0 in a payload of 3 bytes");
        assertRefused(frame(TYPE_REQUEST, 0, 1, new byte[0]), ErrorCode.MALFORMED_FRAME,
            "REQUEST with route length 0 in a payload of 0 bytes");
        assertRefused(frame(TYPE_REQUEST, 0, 1, new byte[] {3, 'a', 'b'}), ErrorCode.MALFORMED_FRAME,
            "REQUEST with route length 3 in a payload of 3 bytes");
    }

    @Test
    void shouldAcceptTheSmallestFixedParts() {
        assertEquals(5, feed(concat(
            frame(TYPE_ERROR, 0, 4, coded(7, "")),
            frame(TYPE_CLOSE, 0, 0, coded(0, "")),
            frame(TYPE_GOAWAY, 0, 0, new byte[] {0, 0, 0, 5, 0, 9}),
            frame(TYPE_REQUEST, 0, 1, new byte[] {2, 'a', 'b'}),
            frame(TYPE_MESSAGE, 0, 0, new byte[] {1, 'z'}))));
        assertEquals(List.of(
            "ERROR id=4 code=7 text=",
            "CLOSE code=0 text=",
            "GOAWAY last=5 code=9 text=",
            "REQUEST id=1 compressed=false route=ab body=",
            "MESSAGE id=0 compressed=false route=z body="), frames.events);
    }

    @Test
    void shouldStopDecodingWhenATypeIsNotAdmitted() {
        frames.refused.add(TYPE_REQUEST);
        byte[] ping = frame(TYPE_PING, 0, 0, PING_DATA);
        assertEquals(2, feed(concat(ping, frame(TYPE_REQUEST, 0, 1, routed("r", PING_DATA)), ping)));
        assertEquals(List.of("PING 0102030405060708", "refused REQUEST"), frames.events);
        assertEquals(2, counters.read(LoopCounters.FRAMES_RECEIVED));
        assertEquals(0, feed(ping));
        assertEquals(2, frames.events.size());
    }

    // ---------------------------------------------------------------- switching to records

    @Test
    void shouldStopAfterTheFrameDuringWhichTheStreamBecameRecordsAndHandOverTheRest() throws Exception {
        byte[] ping = frame(TYPE_PING, 0, 0, PING_DATA);
        // A peer's first record carries a PING: after the switch the reader must not take it for a frame.
        byte[] record = new XorTagProtection().sealedRecord(ping);
        byte[] stream = concat(frame(TYPE_HANDSHAKE, 0, 0, new byte[] {1}), record);
        for (boolean spilled : new boolean[] {false, true}) {
            newReader();
            FrameReader r = reader;
            frames.afterHandshake = r::switchToRecords;
            // Fed as a socket would: into the room the reader gives, first 5 bytes (cutting the HANDSHAKE frame,
            // so that the rest arrives in the spill buffer) or all at once.
            int at = 0;
            int handled = 0;
            PooledBuffer target = null;
            while (at < stream.length && !r.switchingToRecords()) {
                target = r.target(readBuffer);
                int n = Math.min(spilled && at == 0 ? 5 : stream.length - at, target.buf.remaining());
                target.buf.put(stream, at, n).flip();
                at += n;
                handled += r.read(target);
            }
            assertEquals(1, handled);
            assertTrue(r.switchingToRecords());
            assertEquals(List.of("HANDSHAKE 01"), frames.events);
            RecordWireTest.MemoryChannel socket = new RecordWireTest.MemoryChannel();
            RecordWire wire = new RecordWire(new XorTagProtection(), socket, pool, counters);
            r.handOverRecordBytes(target, wire);
            // What the reader had not asked for yet is still in the socket: the record layer reads it from there.
            socket.arrive(Arrays.copyOfRange(stream, at, stream.length));
            assertFalse(r.switchingToRecords());
            assertFalse(r.hasPartialFrame());
            ByteBuffer plain = ByteBuffer.allocate(100);
            assertEquals(ping.length, wire.read(plain), "spilled: " + spilled);
            assertEquals(ByteBuffer.wrap(ping), plain.flip());
            wire.release();
            readBuffer.buf.clear();
        }
    }
}
