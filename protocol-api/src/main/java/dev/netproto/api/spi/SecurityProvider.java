package dev.netproto.api.spi;

/**
 * A security mechanism negotiated in HELLO, selected by {@link #name()}: {@code none} (in core), {@code noise}
 * (in core) and {@code tls} (with the TLS transport).
 *
 * <p>Client and server each configure one name; HELLO fails with
 * {@link dev.netproto.api.ErrorCode#NEGOTIATION_FAILED}, naming both sides' choices, when they differ. The hooks by
 * which a provider takes part in the handshake and seals frames are added with the Noise implementation; this
 * version of the protocol carries the name only.
 */
public interface SecurityProvider {

    /**
     * Returns the name configuration and HELLO use for this mechanism.
     *
     * @return a short lower-case ASCII name, such as {@code none}
     */
    String name();
}
