package dev.netproto.security.noise;

import dev.netproto.api.NetprotoException;
import java.io.Serial;

/**
 * A Noise operation failed for a reason the peer or the configuration can cause: a message that does not
 * authenticate, a malformed message, an invalid public key, an exhausted nonce or an unsupported protocol name.
 * Misuse of the API (calling out of turn, after completion, after {@code destroy()}) throws
 * {@link IllegalStateException} instead.
 *
 * <p>After a failed {@link CipherState} decryption the cipher state is unchanged (the nonce did not advance), so a
 * transport may drop the message and carry on, though netproto closes the connection. After any failure inside a
 * {@link HandshakeState} the handshake is dead and its secrets are wiped.
 */
public final class NoiseException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Why a Noise operation failed. */
    public enum Reason {
        /** The AEAD tag did not verify: tampered, replayed, reordered, or sealed under another key or AD. */
        AUTHENTICATION_FAILED,
        /** The nonce reached 2^64-1, which the specification reserves; the key must not be used any more. */
        NONCE_EXHAUSTED,
        /** A Diffie-Hellman result was all zeros: the peer sent a low-order public key. */
        INVALID_PUBLIC_KEY,
        /** A message is shorter than its pattern requires, or longer than 65535 bytes. */
        MALFORMED_MESSAGE,
        /** The protocol name names a pattern, function or modifier this implementation does not have. */
        UNSUPPORTED_PROTOCOL,
        /** The JCA provider failed in a way it should not (missing algorithm, rejected parameters). */
        PROVIDER_FAILURE
    }

    /** Why the operation failed. */
    private final Reason reason;

    /**
     * Creates an exception.
     *
     * @param reason  why the operation failed
     * @param message what failed, with the offending value and the limit where there is one
     */
    public NoiseException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * Creates an exception with its cause.
     *
     * @param reason  why the operation failed
     * @param message what failed, with the offending value and the limit where there is one
     * @param cause   the underlying JCA failure
     */
    public NoiseException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * Returns why the operation failed.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
