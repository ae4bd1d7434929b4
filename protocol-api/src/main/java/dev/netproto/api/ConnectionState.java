package dev.netproto.api;

/** The states a client connection moves through, reported to a {@link ConnectionStateListener}. */
public enum ConnectionState {
    /** Opening the transport and exchanging HELLO (first connect or a reconnect attempt). */
    CONNECTING,
    /** HELLO completed; requests flow. */
    CONNECTED,
    /** The connection was lost or the server sent GOAWAY; reconnecting if the policy allows. */
    DISCONNECTED,
    /** Closed for good: by {@link Client#close()}, or when reconnecting gave up. Terminal. */
    CLOSED
}
