package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * A {@link FrameReader.Frames} that records each callback as one line, so that tests compare whole sequences. Like
 * the connection, it stops accepting frames after a protocol error or a refused type.
 */
final class RecordingFrames implements FrameReader.Frames {
    final List<String> events = new ArrayList<>();
    final Set<Integer> refused = new HashSet<>();
    boolean accepting = true;
    ErrorCode errorCode;
    String errorReason;
    /** Run after a HANDSHAKE frame is recorded; a security session reacts there. */
    Runnable afterHandshake = () -> { };

    @Override
    public boolean accepting() {
        return accepting;
    }

    @Override
    public boolean admit(int type) {
        if (refused.contains(type)) {
            events.add("refused " + FrameDescriptor.typeName(type));
            accepting = false;
            return false;
        }
        return true;
    }

    @Override
    public void onHello(ByteBuffer b, int offset, int length) {
        events.add("HELLO " + bytes(b, offset, length));
    }

    @Override
    public void onHandshake(ByteBuffer b, int offset, int length) {
        events.add("HANDSHAKE " + bytes(b, offset, length));
        afterHandshake.run();
    }

    @Override
    public void onRequest(PooledBuffer src, int type, int requestId, boolean compressed, int offset, int length,
                          int routeLength) {
        ByteBuffer b = src.buf;
        byte[] route = new byte[routeLength];
        b.get(offset + 1, route);
        events.add(FrameDescriptor.typeName(type) + " id=" + requestId + " compressed=" + compressed + " route="
            + new String(route, StandardCharsets.US_ASCII) + " body="
            + bytes(b, offset + 1 + routeLength, length - 1 - routeLength));
    }

    @Override
    public void onResponse(PooledBuffer src, int requestId, boolean compressed, int offset, int length) {
        events.add("RESPONSE id=" + requestId + " compressed=" + compressed + " body=" + bytes(src.buf, offset,
            length));
    }

    @Override
    public void onError(ByteBuffer b, int requestId, int code, int offset, int length) {
        events.add("ERROR id=" + requestId + " code=" + code + " text=" + text(b, offset + 2, length - 2));
    }

    @Override
    public void onPing(ByteBuffer b, int offset) {
        events.add("PING " + bytes(b, offset, 8));
    }

    @Override
    public void onPong(ByteBuffer b, int offset) {
        events.add("PONG " + bytes(b, offset, 8));
    }

    @Override
    public void onGoAway(ByteBuffer b, int offset, int length) {
        events.add("GOAWAY last=" + b.getInt(offset) + " code=" + (b.getShort(offset + 4) & 0xFFFF) + " text="
            + text(b, offset + 6, length - 6));
    }

    @Override
    public void onClose(ByteBuffer b, int code, int offset, int length) {
        events.add("CLOSE code=" + code + " text=" + text(b, offset + 2, length - 2));
    }

    @Override
    public void onProtocolError(ErrorCode code, String reason) {
        events.add("error " + code + ": " + reason);
        errorCode = code;
        errorReason = reason;
        accepting = false;
    }

    /** Short payloads in hex; long ones as length and CRC-32, so that sequences stay cheap to compare. */
    static String bytes(ByteBuffer b, int offset, int length) {
        byte[] copy = new byte[length];
        b.get(offset, copy);
        if (length <= 32) {
            return HexFormat.of().formatHex(copy);
        }
        CRC32 crc = new CRC32();
        crc.update(copy);
        return length + " bytes crc " + Long.toHexString(crc.getValue());
    }

    private static String text(ByteBuffer b, int offset, int length) {
        byte[] copy = new byte[length];
        b.get(offset, copy);
        return new String(copy, StandardCharsets.UTF_8);
    }
}
