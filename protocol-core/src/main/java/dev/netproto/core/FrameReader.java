package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.CODE_LENGTH;
import static dev.netproto.core.FrameDescriptor.FLAGS_OFFSET;
import static dev.netproto.core.FrameDescriptor.GOAWAY_FIXED_LENGTH;
import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.LENGTH_OFFSET;
import static dev.netproto.core.FrameDescriptor.MAGIC;
import static dev.netproto.core.FrameDescriptor.MAGIC_OFFSET;
import static dev.netproto.core.FrameDescriptor.PING_PAYLOAD_LENGTH;
import static dev.netproto.core.FrameDescriptor.REQUEST_ID_OFFSET;
import static dev.netproto.core.FrameDescriptor.TYPE_CLOSE;
import static dev.netproto.core.FrameDescriptor.TYPE_ERROR;
import static dev.netproto.core.FrameDescriptor.TYPE_GOAWAY;
import static dev.netproto.core.FrameDescriptor.TYPE_HANDSHAKE;
import static dev.netproto.core.FrameDescriptor.TYPE_HELLO;
import static dev.netproto.core.FrameDescriptor.TYPE_MESSAGE;
import static dev.netproto.core.FrameDescriptor.TYPE_OFFSET;
import static dev.netproto.core.FrameDescriptor.TYPE_PING;
import static dev.netproto.core.FrameDescriptor.TYPE_PONG;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;
import static dev.netproto.core.FrameDescriptor.TYPE_RESPONSE;
import static dev.netproto.core.FrameDescriptor.VERSION;
import static dev.netproto.core.FrameDescriptor.VERSION_OFFSET;

import dev.netproto.api.ErrorCode;
import java.nio.ByteBuffer;

/**
 * The inbound half of the frame codec: it finds complete frames in what was read, checks each header with the one
 * validator ({@link FrameCodec#checkHeader}), opens sealed frames, checks each type's fixed payload part, and calls
 * the {@link Frames} callback of the frame's type. A frame cut by the end of a read moves to a pooled spill buffer
 * sized for the whole frame, into which the next reads go, up to the frame's end and no further: a spill buffer holds
 * one frame, so its bytes are never moved again, and the read after it goes back to the loop's shared buffer. A
 * frame's length is checked as soon as its header is complete, before any room is made for its payload (a cut
 * header is read alone first, so that the buffer is sized once).
 *
 * <p>A request's spill buffer may be {@linkplain #handOffSpill() handed off} while its handler runs, when the
 * handler answers with the request's own body and the writer sends that buffer as it is (zero copy); the reader then
 * forgets it, and the output queue releases it once written.
 *
 * <p>The spill buffer is asked of the memory budget ({@link BufferPool#tryAcquire}). When the budget refuses it,
 * the bytes already read move to a buffer just large enough for them (which is never refused: they are out of the
 * socket), the frame is left cut ({@link #spillShort()}), and the connection stops reading until
 * {@link #growSpill()} succeeds. Nothing read is lost, and the peer is held back by TCP meanwhile.
 *
 * <p>It knows nothing of connection states: the {@link Frames} receiver decides whether a type is allowed now
 * ({@link Frames#admit}). A problem is reported once, through {@link Frames#onProtocolError}, after which the
 * reader stops until the receiver stops accepting frames.
 *
 * <p><b>Threading.</b> The owning event loop's thread only. No allocation per frame.
 */
final class FrameReader {
    /** Smallest spill buffer, for a remainder whose header is not complete yet. */
    static final int MIN_SPILL = 4096;

    /**
     * Receives decoded frames. Offsets are absolute in the buffer, which is valid only during the call; the
     * payload has been opened when the connection's frames are sealed.
     */
    interface Frames {
        /** Whether frames are still wanted; the reader stops when this turns false (the connection is closing). */
        boolean accepting();

        /** Whether a frame of this type is allowed now; if not, the receiver has closed the connection. */
        boolean admit(int type);

        void onHello(ByteBuffer b, int offset, int length);

        void onHandshake(ByteBuffer b, int offset, int length);

        /**
         * A REQUEST (non-zero id) or MESSAGE (id 0), its route checked to fit: {@code routeLength} bytes at
         * {@code offset + 1}, the body after them up to {@code offset + length}.
         */
        void onRequest(PooledBuffer src, int type, int requestId, boolean compressed, int offset, int length,
                       int routeLength);

        void onResponse(PooledBuffer src, int requestId, boolean compressed, int offset, int length);

        /** An ERROR: code at {@code offset}, text after it. */
        void onError(ByteBuffer b, int requestId, int code, int offset, int length);

        void onPing(ByteBuffer b, int offset);

        void onPong(ByteBuffer b, int offset);

        /** A GOAWAY: last request id and code at {@code offset}, text after them. */
        void onGoAway(ByteBuffer b, int offset, int length);

        /** A CLOSE: code at {@code offset}, text after it. */
        void onClose(ByteBuffer b, int code, int offset, int length);

        /** The peer broke the protocol; the receiver closes the connection with this code and reason. */
        void onProtocolError(ErrorCode code, String reason);
    }

    private final BufferPool pool;
    private final Frames frames;
    private final LoopCounters counters;
    private PooledBuffer spill;
    /** Set when the session started protecting the stream: decoding stops after the frame being handled. */
    private boolean switching;
    /** Set when the spill buffer being decoded was handed off: the decoder must not touch it any more. */
    private boolean handedOff;
    private int maxLength;
    private boolean open;
    private boolean compression;
    private String compressionName = "none";

    FrameReader(BufferPool pool, Frames frames, LoopCounters counters, int maxLength) {
        this.pool = pool;
        this.frames = frames;
        this.counters = counters;
        this.maxLength = maxLength;
    }

    /** The connection is open: from now on payloads up to this side's announced maximum are accepted. */
    void opened(int maxLength) {
        this.maxLength = maxLength;
        this.open = true;
    }

    /** Allows the COMPRESSED flag from now on: compression was negotiated. */
    void compression(String name) {
        compression = true;
        compressionName = name;
    }

    /**
     * The session protects the stream from the byte after the frame being handled: stop decoding after it, and
     * leave the rest of the read, which is sealed records, to {@link #takeRecordBytes}. Called during a frame's
     * callback.
     */
    void switchToRecords() {
        switching = true;
    }

    /**
     * After a {@link #read} that stopped for {@link #switchToRecords}: hands the bytes after the switch (the start
     * of the sealed records, possibly none) to the record layer, and gives back the buffer they were in if it was
     * the spill buffer. The reader reads only plaintext from now on, which the record layer hands it.
     *
     * @param src     the buffer the last {@link #read} decoded
     * @param records the record layer, which copies the bytes
     */
    void handOverRecordBytes(PooledBuffer src, RecordWire records) {
        switching = false;
        records.feed(src.buf);
        if (src == spill) {
            release();
        } else {
            src.buf.clear();
        }
    }

    /** Whether the last {@link #read} stopped because the session started protecting the stream. */
    boolean switchingToRecords() {
        return switching;
    }

    /** Where the next read goes: the spill buffer if a frame is cut, else the given shared read buffer. */
    PooledBuffer target(PooledBuffer readBuffer) {
        return spill != null ? spill : readBuffer;
    }

    /** Whether part of a frame is waiting for the rest. */
    boolean hasPartialFrame() {
        return spill != null;
    }

    /**
     * Whether the cut frame does not fit its spill buffer, because the memory budget refused a larger one: no more
     * may be read until {@link #growSpill()} succeeds.
     */
    boolean spillShort() {
        PooledBuffer s = spill;
        if (s == null || s.buf.position() < HEADER_LENGTH) {
            return false;
        }
        return HEADER_LENGTH + s.buf.getInt(LENGTH_OFFSET) > s.buf.capacity();
    }

    /**
     * Asks the budget again for a spill buffer that holds the whole cut frame.
     *
     * @return whether the frame fits now (also when it did already)
     */
    boolean growSpill() {
        if (!spillShort()) {
            return true;
        }
        ByteBuffer b = spill.buf;
        PooledBuffer next = pool.tryAcquire(HEADER_LENGTH + b.getInt(LENGTH_OFFSET));
        if (next == null) {
            return false;
        }
        int need = HEADER_LENGTH + b.getInt(LENGTH_OFFSET);
        b.flip();
        counters.add(LoopCounters.SPILL_BYTES_MOVED, b.remaining());
        next.buf.put(b);
        next.buf.limit(need);
        pool.release(spill);
        spill = next;
        return true;
    }

    /**
     * Whether {@code src} is the spill buffer and the frame being handled is the last thing in it, ending at
     * {@code end}: then the buffer could be handed off. Only while that frame is handled.
     */
    boolean spillEndsAt(PooledBuffer src, int end) {
        return src == spill && src.buf.limit() == end;
    }

    /**
     * Gives up the spill buffer holding the frame being handled (checked with {@link #spillEndsAt}): its new owner
     * releases it. The reader touches it no more, and reads the next bytes into the shared buffer.
     *
     * @return the buffer, now the caller's
     */
    PooledBuffer handOffSpill() {
        PooledBuffer s = spill;
        spill = null;
        handedOff = true;
        return s;
    }

    /** Bytes of pooled memory this reader holds: its spill buffer. */
    long heldBytes() {
        PooledBuffer s = spill;
        return s == null ? 0 : s.buf.capacity();
    }

    /**
     * Handles every complete frame in {@code src} (flipped: position at the first unread byte), then keeps an
     * incomplete remainder for the next read.
     *
     * @return how many frames were handled
     */
    int read(PooledBuffer src) {
        int handled = decode(src);
        if (handedOff) {
            // The last frame's buffer went to the output queue with its answer: nothing of it is left to keep.
            handedOff = false;
            return handled;
        }
        if (!frames.accepting() || switching) {
            return handled;
        }
        ByteBuffer buf = src.buf;
        if (buf.hasRemaining()) {
            keepRemainder(src);
        } else if (src == spill) {
            release();
        } else {
            buf.clear();
        }
        return handled;
    }

    /** The cut frame's whole length with its header, or 0 while its header is incomplete; only with a partial frame. */
    int partialFrameLength() {
        ByteBuffer b = spill.buf;
        return b.position() >= HEADER_LENGTH ? HEADER_LENGTH + b.getInt(LENGTH_OFFSET) : 0;
    }

    /** Describes the cut frame for an end-of-stream message: bytes held and bytes needed. */
    String describePartial() {
        ByteBuffer b = spill.buf;
        int have = b.position();
        String need = have >= HEADER_LENGTH ? String.valueOf(HEADER_LENGTH + b.getInt(LENGTH_OFFSET)) : "?";
        return have + " of " + need + " bytes of a frame";
    }

    /** Gives the spill buffer back. Idempotent. */
    void release() {
        if (spill != null) {
            pool.release(spill);
            spill = null;
        }
    }

    private int decode(PooledBuffer src) {
        ByteBuffer b = src.buf;
        int pos = b.position();
        int limit = b.limit();
        int handled = 0;
        while (limit - pos >= HEADER_LENGTH && frames.accepting() && !switching) {
            int max = maxLength;
            int problem = FrameCodec.checkHeader(b, pos, max, compression, 0);
            if (problem != FrameCodec.OK) {
                reject(b, pos, problem, max);
                return handled;
            }
            int length = b.getInt(pos + LENGTH_OFFSET);
            int end = pos + HEADER_LENGTH + length;
            if (end > limit) {
                break;
            }
            handled++;
            // Counted before it is handled: a handler may complete a future whose waiter reads the counters.
            counters.increment(LoopCounters.FRAMES_RECEIVED);
            if (!frame(src, pos, length) || handedOff) {
                return handled;
            }
            pos = end;
        }
        b.position(pos);
        return handled;
    }

    /** Dispatches one complete frame; returns false if the reader must stop. */
    private boolean frame(PooledBuffer src, int pos, int length) {
        ByteBuffer b = src.buf;
        int type = b.get(pos + TYPE_OFFSET);
        int flags = b.get(pos + FLAGS_OFFSET) & 0xFF;
        int payloadLength = length;
        if (!frames.admit(type)) {
            return false;
        }
        int requestId = b.getInt(pos + REQUEST_ID_OFFSET);
        int offset = pos + HEADER_LENGTH;
        boolean compressed = flags != 0;
        switch (type) {
            case TYPE_REQUEST, TYPE_MESSAGE -> {
                int routeLength = payloadLength > 0 ? b.get(offset) & 0xFF : 0;
                if (routeLength == 0 || routeLength + 1 > payloadLength) {
                    return malformed(FrameDescriptor.typeName(type) + " with route length " + routeLength
                        + " in a payload of " + payloadLength + " bytes");
                }
                frames.onRequest(src, type, requestId, compressed, offset, payloadLength, routeLength);
            }
            case TYPE_RESPONSE -> frames.onResponse(src, requestId, compressed, offset, payloadLength);
            case TYPE_ERROR -> {
                if (payloadLength < CODE_LENGTH) {
                    return malformed("ERROR payload of " + payloadLength + " bytes (at least " + CODE_LENGTH + ")");
                }
                frames.onError(b, requestId, b.getShort(offset) & 0xFFFF, offset, payloadLength);
            }
            case TYPE_PING, TYPE_PONG -> {
                if (payloadLength != PING_PAYLOAD_LENGTH) {
                    return malformed(FrameDescriptor.typeName(type) + " payload of " + payloadLength
                        + " bytes (expected " + PING_PAYLOAD_LENGTH + ")");
                }
                if (type == TYPE_PING) {
                    frames.onPing(b, offset);
                } else {
                    frames.onPong(b, offset);
                }
            }
            case TYPE_HELLO -> frames.onHello(b, offset, payloadLength);
            case TYPE_HANDSHAKE -> frames.onHandshake(b, offset, payloadLength);
            case TYPE_GOAWAY -> {
                if (payloadLength < GOAWAY_FIXED_LENGTH) {
                    return malformed("GOAWAY payload of " + payloadLength + " bytes (at least "
                        + GOAWAY_FIXED_LENGTH + ")");
                }
                frames.onGoAway(b, offset, payloadLength);
            }
            case TYPE_CLOSE -> {
                if (payloadLength < CODE_LENGTH) {
                    return malformed("CLOSE payload of " + payloadLength + " bytes (at least " + CODE_LENGTH + ")");
                }
                frames.onClose(b, b.getShort(offset) & 0xFFFF, offset, payloadLength);
            }
            default -> {
                return malformed("unknown frame type " + type);
            }
        }
        return true;
    }

    private boolean malformed(String reason) {
        frames.onProtocolError(ErrorCode.MALFORMED_FRAME, reason);
        return false;
    }

    /** Reports the header problem {@link FrameCodec#checkHeader} found, with the values that broke the rule. */
    private void reject(ByteBuffer b, int pos, int problem, int max) {
        switch (problem) {
            case FrameCodec.BAD_MAGIC -> frames.onProtocolError(ErrorCode.BAD_MAGIC, String.format(
                "bad magic 0x%04x (expected 0x%04x)", b.getShort(pos + MAGIC_OFFSET), MAGIC));
            case FrameCodec.BAD_VERSION -> frames.onProtocolError(ErrorCode.UNSUPPORTED_VERSION,
                "unsupported frame version " + (b.get(pos + VERSION_OFFSET) & 0xFF) + " (this side speaks "
                    + VERSION + ")");
            case FrameCodec.BAD_TYPE -> malformed("unknown frame type " + (b.get(pos + TYPE_OFFSET) & 0xFF));
            case FrameCodec.BAD_FLAGS -> malformed("flags 0x" + Integer.toHexString(
                b.get(pos + FLAGS_OFFSET) & 0xFF)
                + " or reserved bits set in a " + typeName(b, pos) + " frame (compression: " + compressionName + ")");
            case FrameCodec.TOO_LARGE -> frames.onProtocolError(ErrorCode.FRAME_TOO_LARGE, typeName(b, pos)
                + " frame payload of " + Integer.toUnsignedString(b.getInt(pos + LENGTH_OFFSET))
                + " bytes exceeds the maximum of " + max
                + (open ? "" : " before HELLO completes"));
            default -> malformed(typeName(b, pos) + " frame with request id "
                + Integer.toUnsignedString(b.getInt(pos + REQUEST_ID_OFFSET)));
        }
    }

    private static String typeName(ByteBuffer b, int pos) {
        return FrameDescriptor.typeName(b.get(pos + TYPE_OFFSET));
    }

    /**
     * Moves the unconsumed remainder (part of one frame) into a spill buffer with room for its whole frame, limited
     * to the frame's end, so that the next reads fill that frame and take nothing after it; a remainder shorter
     * than a header is limited to the header, whose length then sizes the buffer. When the memory budget refuses a
     * buffer, keeps the remainder where it is (already a spill buffer) or in one just large enough for it.
     */
    private void keepRemainder(PooledBuffer target) {
        ByteBuffer b = target.buf;
        int remaining = b.remaining();
        // The bytes after the header are read only once the header's length has sized the buffer: reading them into
        // a smaller buffer would mean moving them again.
        int need = remaining >= HEADER_LENGTH ? HEADER_LENGTH + b.getInt(b.position() + LENGTH_OFFSET) : HEADER_LENGTH;
        if (target == spill && b.capacity() >= need) {
            // The frame starts at 0 whenever the spill holds nothing else, which the limit ensures: no bytes move.
            compact(b);
            b.limit(need);
            return;
        }
        PooledBuffer next = pool.tryAcquire(Math.max(need, MIN_SPILL));
        if (next == null) {
            if (target == spill) {
                compact(b);
                return;
            }
            // The shared read buffer must be free for the next connection: the remainder (at most one read) goes to
            // a buffer that is not refused, and the frame stays cut (spillShort) until the budget has room.
            next = pool.acquire(Math.max(remaining, MIN_SPILL));
        }
        counters.add(LoopCounters.SPILL_BYTES_MOVED, remaining);
        next.buf.put(b);
        next.buf.limit(Math.min(need, next.buf.capacity()));
        if (target == spill) {
            pool.release(spill);
        } else {
            b.clear();
        }
        spill = next;
    }

    private void compact(ByteBuffer b) {
        if (b.position() > 0) {
            counters.add(LoopCounters.SPILL_BYTES_MOVED, b.remaining());
        }
        b.compact();
    }
}
