package dev.netproto.api;

import java.io.Serial;

/**
 * Completes a request that the peer answered with an ERROR frame: the route is unknown there, its handler failed,
 * or it refused the request. The connection stays usable.
 */
public final class RemoteException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The numeric code from the ERROR frame. */
    private final int code;

    /**
     * Creates an exception from an ERROR frame.
     *
     * @param code    the numeric code the peer sent (see {@link ErrorCode#fromCode(int)})
     * @param message the peer's text, prefixed with the route and the peer's address
     */
    public RemoteException(int code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * Returns the numeric code the peer sent.
     *
     * @return the code; {@link ErrorCode#fromCode(int)} names the known ones
     */
    public int code() {
        return code;
    }

    /**
     * Returns the code as a known {@link ErrorCode}.
     *
     * @return the code, or {@link ErrorCode#UNKNOWN} for a code this version does not know
     */
    public ErrorCode errorCode() {
        return ErrorCode.fromCode(code);
    }
}
