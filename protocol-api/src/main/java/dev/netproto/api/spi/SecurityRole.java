package dev.netproto.api.spi;

/** Which end of its connections a {@link SecurityMechanism} serves. */
public enum SecurityRole {
    /** The side that opened the connection: it sends the first HELLO and the first handshake message. */
    CLIENT,
    /** The side that accepted the connection: it answers HELLO and chooses the parameters. */
    SERVER
}
