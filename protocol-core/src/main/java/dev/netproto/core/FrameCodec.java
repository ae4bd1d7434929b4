package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.FLAG_COMPRESSED;
import static dev.netproto.core.FrameDescriptor.FLAGS_OFFSET;
import static dev.netproto.core.FrameDescriptor.LENGTH_OFFSET;
import static dev.netproto.core.FrameDescriptor.MAGIC;
import static dev.netproto.core.FrameDescriptor.MAGIC_OFFSET;
import static dev.netproto.core.FrameDescriptor.MAX_TYPE;
import static dev.netproto.core.FrameDescriptor.REQUEST_ID_OFFSET;
import static dev.netproto.core.FrameDescriptor.RESERVED16_OFFSET;
import static dev.netproto.core.FrameDescriptor.RESERVED8_OFFSET;
import static dev.netproto.core.FrameDescriptor.TYPE_ERROR;
import static dev.netproto.core.FrameDescriptor.TYPE_HELLO;
import static dev.netproto.core.FrameDescriptor.TYPE_MESSAGE;
import static dev.netproto.core.FrameDescriptor.TYPE_OFFSET;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;
import static dev.netproto.core.FrameDescriptor.TYPE_RESPONSE;
import static dev.netproto.core.FrameDescriptor.VERSION;
import static dev.netproto.core.FrameDescriptor.VERSION_OFFSET;

import java.nio.ByteBuffer;

/**
 * Writes and checks the 16-byte frame header of docs/PROTOCOL.md (section "Frame header"; the field offsets are
 * in {@link FrameDescriptor}), in place in a buffer, without allocating. It holds the header rules in one place so
 * that the connection and the benchmarks run the same code.
 *
 * <p>All accesses are absolute: neither method changes the buffer's position or limit. Multi-byte fields are
 * written and read in the buffer's byte order, which must be big-endian, the default of every new buffer.
 *
 * <p><b>Threading.</b> The class has no state; any thread may call it, on a buffer no other thread writes
 * meanwhile.
 */
public final class FrameCodec {
    /** Bytes in a frame header; the payload starts this many bytes after the header's offset. */
    public static final int HEADER_LENGTH = FrameDescriptor.HEADER_LENGTH;

    /** {@link #checkHeader} result: the header is valid. */
    public static final int OK = 0;
    /** {@link #checkHeader} problem: the first two bytes are not the magic {@code 0x4E50} ("NP"). */
    public static final int BAD_MAGIC = 1;
    /** {@link #checkHeader} problem: a frame format version other than the one this side speaks. */
    public static final int BAD_VERSION = 2;
    /** {@link #checkHeader} problem: a frame type outside HELLO to CLOSE. */
    public static final int BAD_TYPE = 3;
    /**
     * {@link #checkHeader} problem: a reserved field is not zero, or flags are set that the frame type or the
     * connection does not allow (only COMPRESSED, only on REQUEST, MESSAGE and RESPONSE, only once compression is
     * negotiated).
     */
    public static final int BAD_FLAGS = 4;
    /** {@link #checkHeader} problem: the payload length is negative (above 2^31 - 1 unsigned) or above the limit. */
    public static final int TOO_LARGE = 5;
    /**
     * {@link #checkHeader} problem: a REQUEST, RESPONSE or ERROR without a request id, or another type with one.
     */
    public static final int BAD_REQUEST_ID = 6;

    private FrameCodec() {
    }

    /**
     * Writes a frame header at {@code offset}: magic, version, {@code type}, {@code flags}, zero reserved fields,
     * {@code requestId} and {@code payloadLength}. The payload is the caller's to write, at
     * {@code offset + HEADER_LENGTH}. Nothing is checked: the sender builds its own frames from known values.
     *
     * @param b             the buffer, big-endian, with room for the header at {@code offset}
     * @param offset        where the header starts
     * @param type          the frame type; only the low 8 bits are written
     * @param flags         the flags; only the low 8 bits are written
     * @param requestId     the request id, 0 for types that carry none
     * @param payloadLength the number of payload bytes that follow the header
     * @throws IndexOutOfBoundsException if the header does not fit
     */
    public static void writeHeader(ByteBuffer b, int offset, int type, int flags, int requestId, int payloadLength) {
        b.putShort(offset + MAGIC_OFFSET, MAGIC);
        b.put(offset + VERSION_OFFSET, VERSION);
        b.put(offset + TYPE_OFFSET, (byte) type);
        b.put(offset + FLAGS_OFFSET, (byte) flags);
        b.put(offset + RESERVED8_OFFSET, (byte) 0);
        b.putShort(offset + RESERVED16_OFFSET, (short) 0);
        b.putInt(offset + REQUEST_ID_OFFSET, requestId);
        b.putInt(offset + LENGTH_OFFSET, payloadLength);
    }

    /**
     * Checks the header at {@code offset} of a connection that has not negotiated compression, so any flag is a
     * problem. Same as {@link #checkHeader(ByteBuffer, int, int, boolean)} with {@code false}.
     *
     * @param b                the buffer holding at least {@link #HEADER_LENGTH} bytes at {@code offset}
     * @param offset           where the header starts
     * @param maxPayloadLength the largest payload length accepted, in bytes
     * @return {@link #OK}, or the first problem found
     * @throws IndexOutOfBoundsException if fewer than {@link #HEADER_LENGTH} bytes follow {@code offset}
     */
    public static int checkHeader(ByteBuffer b, int offset, int maxPayloadLength) {
        return checkHeader(b, offset, maxPayloadLength, false);
    }

    /**
     * Checks the header at {@code offset}, in the order and with the rules of docs/PROTOCOL.md: magic, version,
     * type, reserved fields and flags, payload length, then whether the type needs a request id. It returns a code
     * rather than throwing because a peer's bad frame is an expected outcome: the caller closes the connection
     * with the matching error. The payload, if the header is valid, is the {@link #payloadLength} bytes at
     * {@code offset + HEADER_LENGTH}; whether they have all arrived is the caller's to check.
     *
     * @param b                     the buffer holding at least {@link #HEADER_LENGTH} bytes at {@code offset}
     * @param offset                where the header starts
     * @param maxPayloadLength      the largest payload length accepted, in bytes
     * @param compressionNegotiated whether the COMPRESSED flag may be set (on REQUEST, MESSAGE and RESPONSE)
     * @return {@link #OK}, or the first problem found: {@link #BAD_MAGIC}, {@link #BAD_VERSION},
     *     {@link #BAD_TYPE}, {@link #BAD_FLAGS}, {@link #TOO_LARGE} or {@link #BAD_REQUEST_ID}
     * @throws IndexOutOfBoundsException if fewer than {@link #HEADER_LENGTH} bytes follow {@code offset}
     */
    public static int checkHeader(ByteBuffer b, int offset, int maxPayloadLength, boolean compressionNegotiated) {
        return checkHeader(b, offset, maxPayloadLength, compressionNegotiated, 0);
    }

    /**
     * Checks the header at {@code offset} as {@link #checkHeader(ByteBuffer, int, int, boolean)} does, on a
     * connection whose frames are sealed by a security mechanism that owns some flag bits (Noise's REKEY): those
     * bits are ignored here, and the length limit is the sealed one. This is the one header validator: the
     * connection's frame reader, the tests and the benchmark all run it.
     *
     * @param b                     the buffer holding at least {@link #HEADER_LENGTH} bytes at {@code offset}
     * @param offset                where the header starts
     * @param maxPayloadLength      the largest payload length accepted, in bytes
     * @param compressionNegotiated whether the COMPRESSED flag may be set (on REQUEST, MESSAGE and RESPONSE)
     * @param protectionFlags       flag bits owned by the frame protection, allowed on any type; 0 for none
     * @return {@link #OK}, or the first problem found
     * @throws IndexOutOfBoundsException if fewer than {@link #HEADER_LENGTH} bytes follow {@code offset}
     */
    public static int checkHeader(ByteBuffer b, int offset, int maxPayloadLength, boolean compressionNegotiated,
                                  int protectionFlags) {
        if (b.getShort(offset + MAGIC_OFFSET) != MAGIC) {
            return BAD_MAGIC;
        }
        if (b.get(offset + VERSION_OFFSET) != VERSION) {
            return BAD_VERSION;
        }
        int type = b.get(offset + TYPE_OFFSET);
        if (type < TYPE_HELLO || type > MAX_TYPE) {
            return BAD_TYPE;
        }
        int flags = b.get(offset + FLAGS_OFFSET) & 0xFF & ~protectionFlags;
        if ((b.get(offset + RESERVED8_OFFSET) | b.getShort(offset + RESERVED16_OFFSET)) != 0
            || flags != 0 && !compressedAllowed(type, flags, compressionNegotiated)) {
            return BAD_FLAGS;
        }
        int length = b.getInt(offset + LENGTH_OFFSET);
        if (length < 0 || length > maxPayloadLength) {
            return TOO_LARGE;
        }
        boolean needsId = type == TYPE_REQUEST || type == TYPE_RESPONSE || type == TYPE_ERROR;
        if (needsId != (b.getInt(offset + REQUEST_ID_OFFSET) != 0)) {
            return BAD_REQUEST_ID;
        }
        return OK;
    }

    /**
     * Reads the payload length of the header at {@code offset}, without checking it.
     *
     * @param b      the buffer holding the header
     * @param offset where the header starts
     * @return the length field, which {@link #checkHeader} has shown to be within the limit if it returned
     *     {@link #OK}
     */
    public static int payloadLength(ByteBuffer b, int offset) {
        return b.getInt(offset + LENGTH_OFFSET);
    }

    private static boolean compressedAllowed(int type, int flags, boolean compressionNegotiated) {
        return flags == FLAG_COMPRESSED && compressionNegotiated
            && (type == TYPE_REQUEST || type == TYPE_MESSAGE || type == TYPE_RESPONSE);
    }
}
