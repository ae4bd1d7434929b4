package dev.netproto.core;

/**
 * Layout of the frame header, one constant per field offset (docs/PROTOCOL.md, section "Frame header").
 *
 * <pre>
 *  0       2       3       4       5               8              12              16
 *  +-------+-------+-------+-------+---------------+---------------+---------------+
 *  | magic |version| type  | flags |   reserved    |  request id   |    length     |
 *  +-------+-------+-------+-------+---------------+---------------+---------------+
 * </pre>
 * All fields are big-endian. The payload of {@code length} bytes follows the header.
 */
final class FrameDescriptor {
    /** Bytes in the header. */
    static final int HEADER_LENGTH = 16;
    /** Offset of the 16-bit magic. */
    static final int MAGIC_OFFSET = 0;
    /** Offset of the 8-bit frame format version. */
    static final int VERSION_OFFSET = 2;
    /** Offset of the 8-bit frame type. */
    static final int TYPE_OFFSET = 3;
    /** Offset of the 8-bit flags. */
    static final int FLAGS_OFFSET = 4;
    /** Offset of the 8-bit reserved field that must be zero. */
    static final int RESERVED8_OFFSET = 5;
    /** Offset of the 16-bit reserved field that must be zero. */
    static final int RESERVED16_OFFSET = 6;
    /** Offset of the 32-bit request id. */
    static final int REQUEST_ID_OFFSET = 8;
    /** Offset of the 32-bit payload length. */
    static final int LENGTH_OFFSET = 12;

    /** "NP" in ASCII. */
    static final short MAGIC = 0x4E50;
    /** The frame format version this implementation speaks. */
    static final byte VERSION = 1;

    /** Version and option negotiation; the first frame each side sends. */
    static final int TYPE_HELLO = 1;
    /** A security handshake message (reserved for security providers). */
    static final int TYPE_HANDSHAKE = 2;
    /** A one-way message: route and body, request id 0. */
    static final int TYPE_MESSAGE = 3;
    /** A request: route and body, non-zero request id. */
    static final int TYPE_REQUEST = 4;
    /** The response to a request: body. */
    static final int TYPE_RESPONSE = 5;
    /** A request failed: code and text. */
    static final int TYPE_ERROR = 6;
    /** Liveness probe with 8 opaque bytes. */
    static final int TYPE_PING = 7;
    /** Answer to a PING with the same 8 bytes. */
    static final int TYPE_PONG = 8;
    /** The sender will take no new requests: last request id processed, code and text. */
    static final int TYPE_GOAWAY = 9;
    /** The connection ends: code and text. */
    static final int TYPE_CLOSE = 10;
    /** The highest type number this version knows. */
    static final int MAX_TYPE = TYPE_CLOSE;

    /** Header flag: the body is compressed (docs/PROTOCOL.md section 5.1). */
    static final int FLAG_COMPRESSED = 0x01;
    /** The uncompressed length that precedes a compressed body. */
    static final int COMPRESSED_LENGTH_PREFIX = 4;
    /** Bytes of the fixed part of an ERROR or CLOSE payload: the code. */
    static final int CODE_LENGTH = 2;
    /** Bytes of the fixed part of a GOAWAY payload: last request id and code. */
    static final int GOAWAY_FIXED_LENGTH = 6;

    /** Bytes of opaque data in PING and PONG. */
    static final int PING_PAYLOAD_LENGTH = 8;
    /** Largest payload accepted before HELLO completes. */
    static final int PRE_HELLO_MAX_LENGTH = 16 * 1024;
    /** Longest error or close text we send, in UTF-8 bytes; longer text is cut. */
    static final int MAX_TEXT_LENGTH = 1024;

    private FrameDescriptor() {
    }

    static String typeName(int type) {
        return switch (type) {
            case TYPE_HELLO -> "HELLO";
            case TYPE_HANDSHAKE -> "HANDSHAKE";
            case TYPE_MESSAGE -> "MESSAGE";
            case TYPE_REQUEST -> "REQUEST";
            case TYPE_RESPONSE -> "RESPONSE";
            case TYPE_ERROR -> "ERROR";
            case TYPE_PING -> "PING";
            case TYPE_PONG -> "PONG";
            case TYPE_GOAWAY -> "GOAWAY";
            case TYPE_CLOSE -> "CLOSE";
            default -> "type " + type;
        };
    }
}
