package dev.netproto.api;

/**
 * Told about each connection that ends because of an error (a malformed frame, a failed negotiation, a reset),
 * in addition to the log line and the error counter. Useful for alerting and for tests.
 *
 * <p>Called on the connection's event loop: it must return quickly and must not block.
 */
@FunctionalInterface
public interface ConnectionErrorListener {

    /**
     * Called once when a connection ends with an error.
     *
     * @param connection the connection's description: its id and the peer's address
     * @param code       why it ended
     * @param reason     the detail, as logged
     */
    void onConnectionError(String connection, ErrorCode code, String reason);
}
