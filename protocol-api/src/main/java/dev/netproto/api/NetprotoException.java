package dev.netproto.api;

import java.io.Serial;

/**
 * Base of every exception netproto throws or completes a future with, so that callers can catch the toolkit's
 * failures in one place. Unchecked: the expected outcomes of an operation are return values, and an exception means
 * the operation could not be done.
 */
public class NetprotoException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed, with the value and the peer where there is one
     */
    public NetprotoException(String message) {
        super(message);
    }

    /**
     * Creates an exception with its cause.
     *
     * @param message what failed, with the value and the peer where there is one
     * @param cause   the underlying failure
     */
    public NetprotoException(String message, Throwable cause) {
        super(message, cause);
    }
}
