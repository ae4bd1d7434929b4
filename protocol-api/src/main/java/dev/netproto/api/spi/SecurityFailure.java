package dev.netproto.api.spi;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.NetprotoException;
import java.io.Serial;
import java.util.Objects;

/**
 * Thrown by a {@link SecuritySession} or {@link RecordProtection} when the peer failed a check: the connection is
 * closed with {@link #code()} and this message, which names what was wrong (it is logged and sent in CLOSE, so it
 * must not contain secrets).
 */
public final class SecurityFailure extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The code the connection closes with. */
    private final ErrorCode code;

    /**
     * Creates a failure.
     *
     * @param code    {@link ErrorCode#NEGOTIATION_FAILED} (no acceptable parameters),
     *                {@link ErrorCode#HANDSHAKE_FAILED} (a handshake message did not verify),
     *                {@link ErrorCode#PEER_NOT_AUTHORIZED} (a verified peer that is not allowed),
     *                {@link ErrorCode#AUTHENTICATION_FAILED} (a protected frame did not open) or
     *                {@link ErrorCode#MALFORMED_FRAME} (a protected frame of impossible form)
     * @param message what the peer did wrong
     */
    public SecurityFailure(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Creates a failure with its cause.
     *
     * @param code    the code the connection closes with; see {@link #SecurityFailure(ErrorCode, String)}
     * @param message what the peer did wrong
     * @param cause   the underlying failure
     */
    public SecurityFailure(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Returns the code the connection closes with.
     *
     * @return the error code
     */
    public ErrorCode code() {
        return code;
    }
}
