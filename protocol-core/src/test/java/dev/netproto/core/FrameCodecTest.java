package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FrameCodecTest {
    private static final int OFFSET = 5;
    private static final int MAX = 1024;

    /** A buffer with a valid header at {@link #OFFSET}, garbage before it, and 100 payload bytes after it. */
    private static ByteBuffer frame(int type, int flags, int requestId, int payloadLength) {
        ByteBuffer b = ByteBuffer.allocateDirect(OFFSET + FrameCodec.HEADER_LENGTH + 100);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0xA5);
        }
        FrameCodec.writeHeader(b, OFFSET, type, flags, requestId, payloadLength);
        return b;
    }

    private static ByteBuffer request() {
        return frame(FrameDescriptor.TYPE_REQUEST, 0, 7, 100);
    }

    @Test
    void shouldWriteTheHeaderOfProtocolMdAndLeaveTheRestAlone() {
        ByteBuffer b = frame(FrameDescriptor.TYPE_RESPONSE, 0, 0x01020304, 100);
        byte[] expected = {0x4E, 0x50, 1, 5, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 100};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], b.get(OFFSET + i), "header byte " + i);
        }
        assertEquals((byte) 0xA5, b.get(OFFSET - 1));
        assertEquals((byte) 0xA5, b.get(OFFSET + FrameCodec.HEADER_LENGTH));
        assertEquals(0, b.position(), "absolute writes only");
    }

    @Test
    void shouldAcceptWhatItWroteAndLocateThePayload() {
        int[][] valid = {
            {FrameDescriptor.TYPE_HELLO, 0, 0},
            {FrameDescriptor.TYPE_MESSAGE, 0, 0},
            {FrameDescriptor.TYPE_REQUEST, 0, 1},
            {FrameDescriptor.TYPE_RESPONSE, 0, -1},
            {FrameDescriptor.TYPE_ERROR, 0, 42},
            {FrameDescriptor.TYPE_PING, 0, 0},
            {FrameDescriptor.TYPE_CLOSE, 0, 0},
        };
        for (int[] v : valid) {
            ByteBuffer b = frame(v[0], v[1], v[2], 100);
            assertEquals(FrameCodec.OK, FrameCodec.checkHeader(b, OFFSET, MAX), "type " + v[0]);
            assertEquals(100, FrameCodec.payloadLength(b, OFFSET));
            assertEquals(v[2], b.getInt(OFFSET + FrameDescriptor.REQUEST_ID_OFFSET));
            assertEquals(v[0], b.get(OFFSET + FrameDescriptor.TYPE_OFFSET));
        }
        assertEquals(FrameCodec.OK, FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_MESSAGE, 0, 0, 0), OFFSET, 0));
        assertEquals(FrameCodec.OK, FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_MESSAGE, 0, 0, MAX), OFFSET,
            MAX), "a payload of exactly the limit");
    }

    @Test
    void shouldReportBadMagicWhenEitherMagicByteDiffers() {
        ByteBuffer b = request();
        b.put(OFFSET, (byte) 'X');
        assertEquals(FrameCodec.BAD_MAGIC, FrameCodec.checkHeader(b, OFFSET, MAX));
        b = request();
        b.put(OFFSET + 1, (byte) 'Q');
        assertEquals(FrameCodec.BAD_MAGIC, FrameCodec.checkHeader(b, OFFSET, MAX));
        assertEquals(FrameCodec.BAD_MAGIC, FrameCodec.checkHeader(request(), OFFSET - 1, MAX), "wrong offset");
    }

    @Test
    void shouldReportBadVersionWhenTheVersionIsNotOne() {
        ByteBuffer b = request();
        b.put(OFFSET + FrameDescriptor.VERSION_OFFSET, (byte) 2);
        assertEquals(FrameCodec.BAD_VERSION, FrameCodec.checkHeader(b, OFFSET, MAX));
        b.put(OFFSET + FrameDescriptor.VERSION_OFFSET, (byte) 0);
        assertEquals(FrameCodec.BAD_VERSION, FrameCodec.checkHeader(b, OFFSET, MAX));
    }

    @Test
    void shouldReportBadTypeWhenTheTypeIsOutsideHelloToClose() {
        for (int type : new int[] {0, FrameDescriptor.MAX_TYPE + 1, 0x7F, 0x80, 0xFF}) {
            ByteBuffer b = frame(type, 0, 0, 10);
            assertEquals(FrameCodec.BAD_TYPE, FrameCodec.checkHeader(b, OFFSET, MAX), "type " + type);
        }
    }

    @Test
    void shouldReportBadFlagsWhenReservedBitsOrDisallowedFlagsAreSet() {
        ByteBuffer b = request();
        b.put(OFFSET + FrameDescriptor.RESERVED8_OFFSET, (byte) 1);
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(b, OFFSET, MAX));
        b = request();
        b.put(OFFSET + FrameDescriptor.RESERVED16_OFFSET + 1, (byte) 0x80);
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(b, OFFSET, MAX));
        b = request();
        b.put(OFFSET + FrameDescriptor.RESERVED16_OFFSET, (byte) 0x01);
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(b, OFFSET, MAX, true));

        ByteBuffer compressed = frame(FrameDescriptor.TYPE_REQUEST, FrameDescriptor.FLAG_COMPRESSED, 7, 100);
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(compressed, OFFSET, MAX),
            "compressed before compression is negotiated");
        assertEquals(FrameCodec.OK, FrameCodec.checkHeader(compressed, OFFSET, MAX, true));
        assertEquals(FrameCodec.OK, FrameCodec.checkHeader(
            frame(FrameDescriptor.TYPE_MESSAGE, FrameDescriptor.FLAG_COMPRESSED, 0, 10), OFFSET, MAX, true));
        assertEquals(FrameCodec.OK, FrameCodec.checkHeader(
            frame(FrameDescriptor.TYPE_RESPONSE, FrameDescriptor.FLAG_COMPRESSED, 3, 10), OFFSET, MAX, true));
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(
            frame(FrameDescriptor.TYPE_PING, FrameDescriptor.FLAG_COMPRESSED, 0, 8), OFFSET, MAX, true),
            "compressed on a type without a body");
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(
            frame(FrameDescriptor.TYPE_REQUEST, 0x02, 7, 10), OFFSET, MAX, true), "unknown flag");
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(
            frame(FrameDescriptor.TYPE_REQUEST, 0x81, 7, 10), OFFSET, MAX, true), "unknown flag beside COMPRESSED");
    }

    @Test
    void shouldReportTooLargeWhenTheLengthExceedsTheLimitOrIsNegative() {
        assertEquals(FrameCodec.TOO_LARGE,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_MESSAGE, 0, 0, MAX + 1), OFFSET, MAX));
        assertEquals(FrameCodec.TOO_LARGE,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_MESSAGE, 0, 0, 1), OFFSET, 0));
        assertEquals(FrameCodec.TOO_LARGE, FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_MESSAGE, 0, 0, -1),
            OFFSET, Integer.MAX_VALUE), "0xFFFFFFFF unsigned");
        assertEquals(FrameCodec.TOO_LARGE, FrameCodec.checkHeader(
            frame(FrameDescriptor.TYPE_MESSAGE, 0, 0, Integer.MIN_VALUE), OFFSET, Integer.MAX_VALUE));
    }

    @Test
    void shouldReportBadRequestIdWhenItsPresenceDoesNotMatchTheType() {
        assertEquals(FrameCodec.BAD_REQUEST_ID,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_REQUEST, 0, 0, 10), OFFSET, MAX));
        assertEquals(FrameCodec.BAD_REQUEST_ID,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_RESPONSE, 0, 0, 10), OFFSET, MAX));
        assertEquals(FrameCodec.BAD_REQUEST_ID,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_ERROR, 0, 0, 10), OFFSET, MAX));
        assertEquals(FrameCodec.BAD_REQUEST_ID,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_MESSAGE, 0, 9, 10), OFFSET, MAX));
        assertEquals(FrameCodec.BAD_REQUEST_ID,
            FrameCodec.checkHeader(frame(FrameDescriptor.TYPE_PING, 0, 9, 8), OFFSET, MAX));
    }

    @Test
    void shouldReportTheFirstProblemInHeaderOrderWhenSeveralArePresent() {
        ByteBuffer b = frame(0, 0x02, 0, MAX + 1);
        assertEquals(FrameCodec.BAD_TYPE, FrameCodec.checkHeader(b, OFFSET, MAX));
        b = frame(FrameDescriptor.TYPE_REQUEST, 0x02, 0, MAX + 1);
        assertEquals(FrameCodec.BAD_FLAGS, FrameCodec.checkHeader(b, OFFSET, MAX));
        b = frame(FrameDescriptor.TYPE_REQUEST, 0, 0, MAX + 1);
        assertEquals(FrameCodec.TOO_LARGE, FrameCodec.checkHeader(b, OFFSET, MAX));
        b.put(OFFSET + FrameDescriptor.VERSION_OFFSET, (byte) 9);
        assertEquals(FrameCodec.BAD_VERSION, FrameCodec.checkHeader(b, OFFSET, MAX));
        b.put(OFFSET, (byte) 0);
        assertEquals(FrameCodec.BAD_MAGIC, FrameCodec.checkHeader(b, OFFSET, MAX));
    }

    @Test
    void shouldRoundTripEveryFieldAtAnyOffset() {
        ByteBuffer b = ByteBuffer.allocate(64);
        for (int offset = 0; offset + FrameCodec.HEADER_LENGTH <= b.capacity(); offset += 7) {
            int requestId = 0x80000000 + offset;
            FrameCodec.writeHeader(b, offset, FrameDescriptor.TYPE_REQUEST, 0, requestId, offset * 3);
            assertEquals(FrameCodec.OK, FrameCodec.checkHeader(b, offset, MAX));
            assertEquals(offset * 3, FrameCodec.payloadLength(b, offset));
            assertEquals(requestId, b.getInt(offset + FrameDescriptor.REQUEST_ID_OFFSET));
            assertEquals(FrameDescriptor.TYPE_REQUEST, b.get(offset + FrameDescriptor.TYPE_OFFSET));
            assertEquals(0, b.get(offset + FrameDescriptor.FLAGS_OFFSET));
        }
        assertEquals(0, b.position());
        assertEquals(b.capacity(), b.limit());
    }
}
