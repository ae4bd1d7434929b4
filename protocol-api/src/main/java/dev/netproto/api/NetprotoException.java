package dev.netproto.api;

import java.io.Serial;

/**
 * Base of every exception netproto throws or completes a future with, so that callers can catch the toolkit's
 * failures in one place. Unchecked: the expected outcomes of an operation are return values, and an exception means
 * the operation could not be done.
 *
 * <p>A caller's programming error is not such a failure and keeps the usual {@code java.base} type, as in the JDK's
 * own APIs: {@link IllegalArgumentException} for a bad argument (a body over the peer's frame limit, a buffer too
 * small), {@link IllegalStateException} for a call in the wrong state (a message or reply used after its handler
 * returned, a destroyed key), {@link NullPointerException} for a missing argument.
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
