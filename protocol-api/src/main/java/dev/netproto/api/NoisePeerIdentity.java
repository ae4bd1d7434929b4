package dev.netproto.api;

import java.util.Objects;

/**
 * A peer authenticated by a Noise handshake: its static public key and, on a server, the comment written after
 * that key in the authorized keys (empty when there is none, or when any client is allowed in).
 *
 * @param key     the peer's static public key
 * @param comment the authorized_keys comment naming the key; empty if none
 */
public record NoisePeerIdentity(NoisePublicKey key, String comment) implements PeerIdentity {

    /**
     * Checks the components.
     *
     * @param key     the peer's static public key
     * @param comment the authorized_keys comment naming the key; empty if none
     */
    public NoisePeerIdentity {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(comment, "comment");
    }

    @Override
    public String mechanism() {
        return Security.NOISE;
    }

    /** Returns the comment and the key's fingerprint, or the fingerprint alone. */
    @Override
    public String name() {
        return comment.isEmpty() ? key.fingerprint() : comment + " (" + key.fingerprint() + ")";
    }
}
