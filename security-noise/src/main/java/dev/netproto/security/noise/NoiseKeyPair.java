package dev.netproto.security.noise;

import dev.netproto.api.NoisePublicKey;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.security.auth.DestroyFailedException;

/**
 * An X25519 key pair as Noise uses it: a 32-byte private scalar and its 32-byte public key (the little-endian
 * u-coordinate). Used for a party's static key (for example a server's identity) and, inside
 * {@link HandshakeState}, for ephemeral keys.
 *
 * <p>Threading: immutable until {@link #destroy()}, so one static key pair may be shared by handshakes on several
 * event loops. Destroy it only when no handshake uses it any more; the caller orders that.
 *
 * <p>Key hygiene: {@link #destroy()} zeroes this object's copy of the private scalar. The JDK's XDH private key
 * object, built once per key pair, holds its own copies (the scalar and its PKCS#8 encoding) and does not implement
 * {@link javax.security.auth.Destroyable#destroy()}, so those copies stay until garbage collection reclaims and
 * reuses their memory; the same holds for the copy each {@link javax.crypto.KeyAgreement} takes when it is
 * initialised. See the package documentation.
 */
public final class NoiseKeyPair implements AutoCloseable {
    /** Bytes of a private key and of a public key. */
    public static final int KEY_LENGTH = X25519.DH_LENGTH;

    private final byte[] privateKey;
    private final byte[] publicKey;
    private final PrivateKey jcaPrivateKey;
    private boolean destroyed;

    private NoiseKeyPair(byte[] privateKey, X25519 dh) {
        this.privateKey = privateKey;
        this.jcaPrivateKey = dh.privateKey(privateKey);
        this.publicKey = NoisePublicKey.derive(privateKey).bytes();
    }

    /**
     * Generates a key pair from a shared, strong {@link SecureRandom}.
     *
     * @return a new key pair
     */
    public static NoiseKeyPair generate() {
        return generate(Randoms.SECURE);
    }

    /**
     * Generates a key pair.
     *
     * @param random the source of the 32 private-key bytes
     * @return a new key pair
     */
    public static NoiseKeyPair generate(SecureRandom random) {
        return generate(new X25519(), random);
    }

    /**
     * Rebuilds a key pair from its private key, deriving the public key.
     *
     * @param privateKey the 32-byte private scalar; copied, so the caller may wipe it
     * @return the key pair
     * @throws IllegalArgumentException if {@code privateKey} is not 32 bytes
     */
    public static NoiseKeyPair fromPrivateKey(byte[] privateKey) {
        return fromPrivateKey(new X25519(), privateKey);
    }

    static NoiseKeyPair generate(X25519 dh, SecureRandom random) {
        byte[] k = new byte[KEY_LENGTH];
        random.nextBytes(k);
        return new NoiseKeyPair(k, dh);
    }

    static NoiseKeyPair fromPrivateKey(X25519 dh, byte[] privateKey) {
        if (privateKey == null || privateKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException("privateKey must be " + KEY_LENGTH + " bytes, was "
                + (privateKey == null ? "null" : privateKey.length));
        }
        return new NoiseKeyPair(privateKey.clone(), dh);
    }

    /**
     * Returns the public key.
     *
     * @return a copy of the 32-byte public key
     */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * Returns the private key, for storing it; the caller owns the copy and should wipe it after use.
     *
     * @return a copy of the 32-byte private scalar
     * @throws IllegalStateException if the key pair was destroyed
     */
    public byte[] privateKey() {
        checkUsable();
        return privateKey.clone();
    }

    /**
     * Zeroes the private key (see the class documentation for the copies this cannot reach). Idempotent.
     */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        Arrays.fill(privateKey, (byte) 0);
        try {
            jcaPrivateKey.destroy();
        } catch (DestroyFailedException ignore) {
            // The JDK's XDH keys do not implement destroy(); documented above.
        }
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    /**
     * Whether {@link #destroy()} was called.
     *
     * @return true once destroyed
     */
    public boolean isDestroyed() {
        return destroyed;
    }

    /** The JCA private key, for Diffie-Hellman. */
    PrivateKey jcaPrivateKey() {
        checkUsable();
        return jcaPrivateKey;
    }

    /** The public key array itself, not a copy: callers must not modify it. */
    byte[] publicKeyRef() {
        return publicKey;
    }

    /** The live private key array, for the destroy tests. */
    byte[] privateKeyForTest() {
        return privateKey;
    }

    private void checkUsable() {
        if (destroyed) {
            throw new IllegalStateException("key pair destroyed");
        }
    }
}
