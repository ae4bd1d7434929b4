package dev.netproto.api;

/**
 * Told about every state change of a client connection. Called on the client's event loop: it must return quickly
 * and must not block.
 */
@FunctionalInterface
public interface ConnectionStateListener {

    /**
     * Called once per change.
     *
     * @param state  the new state
     * @param detail why: the peer, the attempt number, or the failure
     */
    void onStateChange(ConnectionState state, String detail);
}
