package dev.netproto.security.noise;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * A raw symmetric key that can really be destroyed, used instead of {@link javax.crypto.spec.SecretKeySpec}.
 *
 * <p>Why not {@code SecretKeySpec}: it clones the key bytes and, up to at least JDK 25, does not override
 * {@link javax.security.auth.Destroyable#destroy()}, so its copy cannot be wiped through public API (the JDK wipes it
 * only from inside {@code java.base}). This class holds the one copy we control and zeroes it in {@link #destroy()}.
 * {@link #getEncoded()} still returns a fresh copy, as the {@link java.security.Key} contract requires: JCE providers
 * keep (and, in SunJCE, wipe on re-initialisation) the array they are given, so handing out our own array would let
 * a provider zero our key under us.
 *
 * <p>Not thread-safe; owned by the {@link CipherState} or {@link SymmetricState} that created it.
 */
final class RawKey implements SecretKey {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The key bytes; all zero once destroyed. */
    private final byte[] bytes;
    private final String algorithm;
    private boolean destroyed;

    /**
     * Copies {@code length} bytes of {@code source} from {@code offset} into a new key.
     *
     * @param source    the key material; not retained
     * @param offset    where the key starts in {@code source}
     * @param length    the key length in bytes
     * @param algorithm the JCA algorithm name the key is for ({@code ChaCha20}, {@code AES}, {@code HmacSHA256})
     */
    RawKey(byte[] source, int offset, int length, String algorithm) {
        this.bytes = Arrays.copyOfRange(source, offset, offset + length);
        this.algorithm = algorithm;
    }

    @Override
    public String getAlgorithm() {
        return algorithm;
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        return bytes.clone();
    }

    /** Overwrites the key bytes with zeros; the key is unusable afterwards. Idempotent. */
    @Override
    public void destroy() {
        Arrays.fill(bytes, (byte) 0);
        destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** The live key array, for the destroy tests only. */
    byte[] bytesForTest() {
        return bytes;
    }

    /** Key material never leaves the process through serialization. */
    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        throw new NotSerializableException(RawKey.class.getName());
    }

    /** Key material never enters the process through serialization. */
    @Serial
    private void readObject(ObjectInputStream in) throws IOException {
        throw new NotSerializableException(RawKey.class.getName());
    }
}
