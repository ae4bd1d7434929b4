package dev.netproto.api;

import java.io.Serial;

/**
 * Completes a request that can no longer be answered because its connection closed, or refuses an operation on a
 * closed connection. The {@link #code() code} tells why the connection ended: {@link ErrorCode#NORMAL} for an
 * orderly close by either side, another code when a protocol or transport failure ended it.
 */
public final class ConnectionClosedException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Why the connection ended. */
    private final ErrorCode code;

    /**
     * Creates an exception.
     *
     * @param code    why the connection ended
     * @param message the connection, the peer and the reason
     */
    public ConnectionClosedException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * Creates an exception with the transport failure that ended the connection.
     *
     * @param code    why the connection ended
     * @param message the connection, the peer and the reason
     * @param cause   the I/O failure
     */
    public ConnectionClosedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /**
     * Returns why the connection ended.
     *
     * @return the code sent or received in the CLOSE frame, or the local reason
     */
    public ErrorCode code() {
        return code;
    }
}
