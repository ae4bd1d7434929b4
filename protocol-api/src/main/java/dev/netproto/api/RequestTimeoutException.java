package dev.netproto.api;

import java.io.Serial;

/**
 * Completes a request that got no answer within the client's request timeout. The request was removed from the
 * pending set; a response that arrives later is dropped and counted. The server may or may not have processed it.
 */
public final class RequestTimeoutException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message the route, the connection and the timeout
     */
    public RequestTimeoutException(String message) {
        super(message);
    }
}
