package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.COMPRESSED_LENGTH_PREFIX;
import static dev.netproto.core.FrameDescriptor.FLAGS_OFFSET;
import static dev.netproto.core.FrameDescriptor.FLAG_COMPRESSED;
import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.LENGTH_OFFSET;
import static dev.netproto.core.FrameDescriptor.MAX_TEXT_LENGTH;
import static dev.netproto.core.FrameDescriptor.PING_PAYLOAD_LENGTH;
import static dev.netproto.core.FrameDescriptor.TYPE_CLOSE;
import static dev.netproto.core.FrameDescriptor.TYPE_ERROR;
import static dev.netproto.core.FrameDescriptor.TYPE_GOAWAY;
import static dev.netproto.core.FrameDescriptor.TYPE_HANDSHAKE;
import static dev.netproto.core.FrameDescriptor.TYPE_HELLO;
import static dev.netproto.core.FrameDescriptor.TYPE_PING;
import static dev.netproto.core.FrameDescriptor.TYPE_PONG;
import static dev.netproto.core.FrameDescriptor.TYPE_RESPONSE;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound half of the frame codec: it reserves each frame in the connection's {@link Outbound} queue, writes
 * its header and payload in place (compressing a body straight into the reservation when that pays), and hands
 * the queue to the socket, or to the record layer that seals it ({@link RecordWire}) when a security mechanism
 * protects the byte stream.
 *
 * <p>Control frames (HELLO, HANDSHAKE, PING, PONG, ERROR, GOAWAY, CLOSE) have one method each, so that their
 * layout lives here and nowhere else.
 *
 * <p><b>Threading.</b> The owning event loop's thread only. No allocation per frame.
 */
final class FrameWriter {
    private static final Logger LOG = LoggerFactory.getLogger(FrameWriter.class);

    /** Told after each frame is queued: the connection checks its watermark and asks for the end-of-cycle flush. */
    interface Queued {
        void frameQueued(long queuedBytes);
    }

    /** What compressing needs, created when HELLO negotiates compression: an idle plain connection holds none. */
    private record Compression(CompressionProvider codec, int minLength, int maxRatio,
                               Compressibility compressibility) {
    }

    private final Outbound outbound;
    private final LoopCounters counters;
    /** The connection: told about each frame, and named (through its {@code toString()}) in log lines. */
    private final Queued queued;
    private Compression compression;
    private int frameOffset;
    private int payloadOffset;

    FrameWriter(Outbound outbound, LoopCounters counters, Queued queued) {
        this.outbound = outbound;
        this.counters = counters;
        this.queued = queued;
    }

    /**
     * Compresses eligible bodies with this algorithm from now on (negotiated in HELLO).
     *
     * @param minLength       bodies shorter than this are sent as they are
     * @param maxRatio        a body is sent compressed only within this ratio, which every receiver enforces
     * @param compressibility the loop's entropy sample, which predicts whether a body will shrink
     */
    void compression(CompressionProvider codec, int minLength, int maxRatio, Compressibility compressibility) {
        this.compression = new Compression(codec, minLength, maxRatio, compressibility);
    }

    /**
     * Reserves a frame and writes its header; the caller writes the payload at {@link #payloadOffset()} of the
     * returned buffer before it reserves anything else.
     */
    ByteBuffer frame(int type, int requestId, int payloadLength) {
        return frame(type, requestId, payloadLength, false);
    }

    /** As {@link #frame(int, int, int)}; when {@code refusable}, returns null if the memory budget refuses it. */
    private ByteBuffer frame(int type, int requestId, int payloadLength, boolean refusable) {
        int frameLength = HEADER_LENGTH + payloadLength;
        ByteBuffer b = refusable ? outbound.tryReserve(frameLength) : outbound.reserve(frameLength);
        if (b == null) {
            return null;
        }
        int o = outbound.reservedOffset();
        FrameCodec.writeHeader(b, o, type, 0, requestId, payloadLength);
        frameOffset = o;
        payloadOffset = o + HEADER_LENGTH;
        counters.increment(LoopCounters.FRAMES_SENT);
        counters.add(LoopCounters.OUTBOUND_BYTES, frameLength);
        queued.frameQueued(outbound.queuedBytes());
        return b;
    }

    /** Where the payload of the frame reserved last starts. */
    int payloadOffset() {
        return payloadOffset;
    }

    // ---------------------------------------------------------------- control frames

    /** Queues HELLO and returns its payload as sent, which a security handshake binds. */
    byte[] hello(Hello hello) {
        ByteBuffer out = frame(TYPE_HELLO, 0, hello.encodedLength());
        hello.encode(out, payloadOffset);
        byte[] sent = new byte[hello.encodedLength()];
        out.get(payloadOffset, sent);
        return sent;
    }

    void handshake(byte[] message) {
        frame(TYPE_HANDSHAKE, 0, message.length).put(payloadOffset, message);
    }

    void ping(long data) {
        frame(TYPE_PING, 0, PING_PAYLOAD_LENGTH).putLong(payloadOffset, data);
    }

    void pong(long data) {
        frame(TYPE_PONG, 0, PING_PAYLOAD_LENGTH).putLong(payloadOffset, data);
    }

    void error(int requestId, ErrorCode code, String text) {
        byte[] bytes = Texts.utf8(text, MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_ERROR, requestId, 2 + bytes.length);
        out.putShort(payloadOffset, (short) code.code());
        out.put(payloadOffset + 2, bytes);
    }

    void goAway(int lastRequestId, ErrorCode code, String text) {
        byte[] bytes = Texts.utf8(text, MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_GOAWAY, 0, 6 + bytes.length);
        out.putInt(payloadOffset, lastRequestId);
        out.putShort(payloadOffset + 4, (short) code.code());
        out.put(payloadOffset + 6, bytes);
    }

    void close(ErrorCode code, String text) {
        byte[] bytes = Texts.utf8(text, MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_CLOSE, 0, 2 + bytes.length);
        out.putShort(payloadOffset, (short) code.code());
        out.put(payloadOffset + 2, bytes);
    }

    // ---------------------------------------------------------------- data frames

    /**
     * Writes a REQUEST, MESSAGE or RESPONSE: the route prefix (when there is one) in the clear, then the body,
     * compressed in place into the outbound segment when compression was negotiated, the body is long enough, the
     * sender allows it, the loop's entropy sample says it will shrink, and it did shrink (docs/PROTOCOL.md
     * section 5.1). The body's position is not changed. The frame is never refused by the memory budget.
     */
    void data(int type, int requestId, byte[] route, ByteBuffer body, boolean compress) {
        data(type, requestId, route, body, compress, false);
    }

    /** {@link #response}: the memory budget refused a segment, and nothing was queued. */
    static final int REFUSED = 0;
    /** {@link #response}: the body was copied into the queue. */
    static final int COPIED = 1;
    /** {@link #response}: the body's own buffer was queued, and now belongs to the queue. */
    static final int ADOPTED = 2;

    /**
     * Writes a RESPONSE as {@link #data(int, int, byte[], ByteBuffer, boolean)} does, asking the memory budget for a
     * new segment. When {@code own} is given, the body lies in that buffer, whose bytes before the body (at least a
     * header's worth) and after it are no longer needed: if the body is sent as it is (neither compressed nor
     * sealed), the header is written just before the body and the buffer itself is queued, with no copy.
     *
     * @param own the buffer holding the body that the caller may give up, or null
     * @return {@link #ADOPTED} (the caller no longer owns {@code own}), {@link #COPIED}, or {@link #REFUSED}
     */
    int response(int requestId, ByteBuffer body, boolean compress, PooledBuffer own) {
        return data(TYPE_RESPONSE, requestId, null, body, compress, true, own);
    }

    private boolean data(int type, int requestId, byte[] route, ByteBuffer body, boolean compress,
                         boolean refusable) {
        return data(type, requestId, route, body, compress, refusable, null) != REFUSED;
    }

    private int data(int type, int requestId, byte[] route, ByteBuffer body, boolean compress, boolean refusable,
                     PooledBuffer own) {
        int prefix = route == null ? 0 : 1 + route.length;
        int bodyLength = body.remaining();
        Compression z = compression;
        if (z == null || !compress || bodyLength < z.minLength() || !z.compressibility().likelyCompressible(body)) {
            if (own != null && route == null && body.position() >= HEADER_LENGTH) {
                adopt(type, requestId, own, body.position(), bodyLength);
                return ADOPTED;
            }
            ByteBuffer out = frame(type, requestId, prefix + bodyLength, refusable);
            if (out == null) {
                return REFUSED;
            }
            writePrefix(out, route);
            out.put(payloadOffset + prefix, body, body.position(), bodyLength);
            return COPIED;
        }
        CompressionProvider c = z.codec();
        int bound = c.maxCompressedLength(bodyLength);
        int reserved = prefix + COMPRESSED_LENGTH_PREFIX + bound;
        ByteBuffer out = frame(type, requestId, reserved, refusable);
        if (out == null) {
            return REFUSED;
        }
        writePrefix(out, route);
        int at = payloadOffset + prefix;
        int start = body.position();
        int compressed;
        try {
            compressed = c.compress(body, outbound.reservedSegment().region(at + COMPRESSED_LENGTH_PREFIX, bound));
        } catch (RuntimeException e) {
            // The frame is already reserved: fill it with the plain body rather than leave a hole in the stream.
            LOG.warn("{}: {} failed to compress a body of {} bytes; sent uncompressed", queued, c.name(),
                bodyLength, e);
            compressed = Integer.MAX_VALUE - COMPRESSED_LENGTH_PREFIX;
        } finally {
            body.position(start);
        }
        int payload;
        // Sent compressed only if smaller, and within the ratio cap every receiver enforces (zstd shrinks a run of
        // zeros far more than 1:1024, and the receiver would take that for a bomb). Both count the compressed data
        // alone, without its length prefix (PROTOCOL.md section 5.1).
        if (COMPRESSED_LENGTH_PREFIX + compressed < bodyLength
            && CompressionLimits.withinRatio(compressed, bodyLength, z.maxRatio())) {
            out.put(frameOffset + FLAGS_OFFSET, (byte) FLAG_COMPRESSED);
            out.putInt(at, bodyLength);
            payload = prefix + COMPRESSED_LENGTH_PREFIX + compressed;
            counters.increment(LoopCounters.FRAMES_COMPRESSED);
        } else {
            // It did not shrink (the sample misjudged it): send it as it is, from the same reservation.
            out.put(at, body, start, bodyLength);
            payload = prefix + bodyLength;
        }
        shrinkLast(out, reserved, payload);
        return COPIED;
    }

    /**
     * Queues a plain frame whose payload (the body) already lies in {@code own} at {@code bodyOffset}: the header
     * goes into the bytes just before it, and the buffer becomes a segment of the queue. Never refused: the buffer
     * is reserved already.
     */
    private void adopt(int type, int requestId, PooledBuffer own, int bodyOffset, int bodyLength) {
        int o = bodyOffset - HEADER_LENGTH;
        ByteBuffer b = outbound.adopt(own, o, HEADER_LENGTH + bodyLength);
        FrameCodec.writeHeader(b, o, type, 0, requestId, bodyLength);
        frameOffset = o;
        payloadOffset = bodyOffset;
        counters.increment(LoopCounters.FRAMES_SENT);
        counters.add(LoopCounters.OUTBOUND_BYTES, HEADER_LENGTH + bodyLength);
        counters.increment(LoopCounters.FRAMES_ADOPTED);
        queued.frameQueued(outbound.queuedBytes());
    }

    private void writePrefix(ByteBuffer out, byte[] route) {
        if (route != null) {
            out.put(payloadOffset, (byte) route.length);
            out.put(payloadOffset + 1, route);
        }
    }

    /** Gives back the unused end of the last frame's reservation, whose payload came out shorter. */
    private void shrinkLast(ByteBuffer out, int reservedPayload, int payload) {
        out.putInt(frameOffset + LENGTH_OFFSET, payload);
        int unused = reservedPayload - payload;
        outbound.trimLast(unused);
        counters.add(LoopCounters.OUTBOUND_BYTES, -unused);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Makes one gathering write of the queue, to the socket or to the layer that seals or encrypts it; returns the
     * bytes of the queue written.
     */
    long writeTo(GatheringByteChannel channel) throws IOException {
        return counted(outbound.writeTo(channel, Long.MAX_VALUE));
    }

    /**
     * Writes at most the first {@code max} bytes of the queue: those queued before the session started protecting
     * the stream, which go out as they are, ahead of the records that follow them.
     */
    long writeTo(GatheringByteChannel channel, long max) throws IOException {
        return counted(outbound.writeTo(channel, max));
    }

    private long counted(long written) {
        if (written > 0) {
            counters.add(LoopCounters.BYTES_SENT, written);
            counters.add(LoopCounters.OUTBOUND_BYTES, -written);
        }
        return written;
    }

    boolean isEmpty() {
        return outbound.isEmpty();
    }

    long queuedBytes() {
        return outbound.queuedBytes();
    }

    /** Bytes of pooled memory the output queue holds. Cold path. */
    long heldBytes() {
        return outbound.heldBytes();
    }

    /** Gives back the queue's arrays while the connection is idle. */
    void trim() {
        outbound.trim();
    }

    /** Drops everything queued: the connection closed. */
    void releaseAll() {
        counters.add(LoopCounters.OUTBOUND_BYTES, -outbound.queuedBytes());
        outbound.releaseAll();
    }
}
