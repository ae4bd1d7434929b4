package dev.netproto.api;

/**
 * Every error a peer can cause or be told about, with the numeric code carried in CLOSE and ERROR frames
 * (docs/PROTOCOL.md, section "Error codes", is the normative list).
 *
 * <p>Codes below 100 end the connection: they travel in a CLOSE frame, or are only recorded locally when the
 * connection is already gone ({@link #TRUNCATED_FRAME}, {@link #TRANSPORT_ERROR}). Codes from 100 fail one request
 * and travel in an ERROR frame; the connection stays up.
 */
public enum ErrorCode {
    /** Orderly close by either side; not an error. */
    NORMAL(0, true),
    /** The first two bytes of a frame were not the protocol magic. */
    BAD_MAGIC(1, true),
    /** A frame carried a protocol version this side does not speak. */
    UNSUPPORTED_VERSION(2, true),
    /** A frame's payload length exceeded the negotiated maximum; refused before reading the payload. */
    FRAME_TOO_LARGE(3, true),
    /** A frame's header or payload did not follow the format of its type. */
    MALFORMED_FRAME(4, true),
    /** A well-formed frame arrived in a state that does not allow it, such as a REQUEST before HELLO. */
    UNEXPECTED_FRAME(5, true),
    /** HELLO found no common version, security or option value. */
    NEGOTIATION_FAILED(6, true),
    /** The peer closed the connection in the middle of a frame. Recorded locally only. */
    TRUNCATED_FRAME(7, true),
    /** The transport failed (reset, broken pipe, I/O error). Recorded locally only. */
    TRANSPORT_ERROR(8, true),
    /** The side sending it is shutting down. */
    SHUTTING_DOWN(9, true),
    /** An unexpected failure inside netproto itself; a bug to report. */
    INTERNAL_ERROR(10, true),
    /** A timeout expired: connect, HELLO, idle, write progress, or missed heartbeats. */
    TIMEOUT(11, true),
    /** The server has as many connections as it is configured to serve. */
    TOO_MANY_CONNECTIONS(12, true),
    /** A compressed frame could not be decompressed: corrupt, truncated, or not the length it claimed, or its
     * claimed length broke the maximum frame length or the compression-ratio cap (a decompression bomb). */
    DECOMPRESSION_FAILED(13, true),
    /** The security handshake below the frames failed: a TLS alert, an untrusted or unpinned certificate, a
     * refused protocol version or application protocol; or the peer started a second TLS 1.2 handshake
     * (renegotiation), which is refused. Reported locally; it never travels in a CLOSE frame, since no frame can be
     * exchanged before that handshake completes (or, for renegotiation, while it is under way). */
    HANDSHAKE_FAILED(14, true),
    /** A sealed frame did not authenticate: it was modified, dropped, reordered or replayed in transit, or sealed
     * under another key. The session cannot continue, since its nonces are out of step. */
    AUTHENTICATION_FAILED(15, true),
    /** The peer's static key is not one this side accepts: not in the server's authorized keys, or not the
     * server key the client pinned. */
    PEER_NOT_AUTHORIZED(16, true),
    /** No handler is registered for the request's route. */
    UNKNOWN_ROUTE(100, false),
    /** The handler threw an exception. */
    HANDLER_FAILED(101, false),
    /** The handler returned without replying to a request and without deferring its reply. */
    NO_REPLY(102, false),
    /**
     * The receiver could not take the request now (a queue or limit was full, or its memory budget had no room for
     * the response); it was not processed and may be retried later.
     */
    OVERLOADED(103, false),
    /** The handler answered the request with an application-level failure. */
    APPLICATION_ERROR(104, false),
    /** The request or response exceeds the receiver's maximum frame length; it was not sent. */
    MESSAGE_TOO_LARGE(105, false),
    /** The receiver did not process the request (it sent GOAWAY before the request arrived): safe to retry. */
    NOT_PROCESSED(106, false),
    /** A code this version of netproto does not know; the numeric value is kept by the exception. */
    UNKNOWN(-1, false);

    private static final ErrorCode[] VALUES = values();

    /** The numeric code on the wire (an unsigned 16-bit value), or -1. */
    private final int code;
    /** Whether this code ends the connection. */
    private final boolean connectionLevel;

    ErrorCode(int code, boolean connectionLevel) {
        this.code = code;
        this.connectionLevel = connectionLevel;
    }

    /**
     * Returns the numeric code carried on the wire.
     *
     * @return an unsigned 16-bit value, or -1 for {@link #UNKNOWN}
     */
    public int code() {
        return code;
    }

    /**
     * Tells whether this code ends the connection (sent in CLOSE) rather than failing one request (sent in ERROR).
     *
     * @return {@code true} for connection-level codes
     */
    public boolean isConnectionLevel() {
        return connectionLevel;
    }

    /**
     * Looks up a numeric code.
     *
     * @param code the value read from a frame
     * @return the matching constant, or {@link #UNKNOWN}
     */
    public static ErrorCode fromCode(int code) {
        for (ErrorCode c : VALUES) {
            if (c.code == code) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
