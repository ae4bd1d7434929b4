package dev.netproto.api;

import java.io.Serial;

/**
 * Refuses work that a bounded queue or limit could not take: an event loop's task queue is full, or a
 * connection's outbound or in-flight limit is reached. Nothing was sent; the caller may retry later.
 */
public final class OverloadedException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message which limit was hit, with its value and the connection
     */
    public OverloadedException(String message) {
        super(message);
    }
}
