package dev.netproto.security.noise;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * The SymmetricState of the Noise specification, revision 34, section 5.2: the chaining key {@code ck}, the
 * handshake hash {@code h} and a {@link CipherState}, with hash SHA-256 and HKDF built on HMAC-SHA256 exactly as
 * section 4.3 defines it (not RFC 5869's general form: the salt is the chaining key, there is no info, and the
 * outputs are chained with the single bytes 0x01, 0x02, 0x03).
 *
 * <p>Threading: not thread-safe; owned by one {@link HandshakeState}, used on one event loop thread.
 *
 * <p>{@link #destroy()} zeroes {@code ck}, {@code h}, the HKDF temporaries and the cipher state's key. The JCE
 * {@link Mac} keeps the HMAC pads derived from its last key until it is re-keyed; destroy re-keys it with zeros.
 */
final class SymmetricState {
    /** HASHLEN for SHA-256. */
    static final int HASH_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";
    private static final byte[] ZEROS = new byte[HASH_LENGTH];
    private static final byte[] EMPTY = new byte[0];

    private final CipherFunction cipherFunction;
    private final CipherState cipherState;
    private final MessageDigest sha256;
    private final Mac hmac;
    private final byte[] ck = new byte[HASH_LENGTH];
    private final byte[] h = new byte[HASH_LENGTH];
    /** HKDF temporaries, wiped after each use. */
    private final byte[] tempKey = new byte[HASH_LENGTH];
    private final byte[] output2 = new byte[HASH_LENGTH];
    private final byte[] output3 = new byte[HASH_LENGTH];
    private boolean destroyed;

    /**
     * InitializeSymmetric(protocol_name): {@code h} is the name padded with zeros if it fits in HASHLEN bytes, its
     * hash otherwise; {@code ck = h}; the cipher state has no key.
     *
     * @param protocolName   the full protocol name, such as {@code Noise_XX_25519_ChaChaPoly_SHA256}
     * @param cipherFunction the cipher of the protocol
     */
    SymmetricState(String protocolName, CipherFunction cipherFunction) {
        this.cipherFunction = cipherFunction;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
            hmac = Mac.getInstance(HMAC);
        } catch (GeneralSecurityException e) {
            throw new NoiseException(NoiseException.Reason.PROVIDER_FAILURE, "no SHA-256 or HMAC-SHA256: " + e, e);
        }
        byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        if (name.length <= HASH_LENGTH) {
            System.arraycopy(name, 0, h, 0, name.length);
        } else {
            sha256.update(name);
            digestInto(h);
        }
        System.arraycopy(h, 0, ck, 0, HASH_LENGTH);
        cipherState = new CipherState(cipherFunction);
    }

    /**
     * MixKey(input_key_material): {@code ck, temp_k = HKDF(ck, ikm, 2)}; InitializeKey(temp_k).
     *
     * @param ikm the input key material, such as a DH result
     */
    void mixKey(byte[] ikm) {
        checkUsable();
        hkdf(ikm, 2);
        cipherState.initializeKey(output2, 0);
        Arrays.fill(output2, (byte) 0);
    }

    /**
     * MixHash(data): {@code h = HASH(h || data)}.
     *
     * @param data the bytes to mix
     */
    void mixHash(byte[] data) {
        mixHash(data, 0, data.length);
    }

    /**
     * MixHash on a region.
     *
     * @param data   the bytes
     * @param offset where they start
     * @param length how many
     */
    void mixHash(byte[] data, int offset, int length) {
        checkUsable();
        sha256.update(h);
        sha256.update(data, offset, length);
        digestInto(h);
    }

    /**
     * MixKeyAndHash(input_key_material): {@code ck, temp_h, temp_k = HKDF(ck, ikm, 3)}; MixHash(temp_h);
     * InitializeKey(temp_k). Used by PSK modes, which netproto does not offer; kept for completeness of the object.
     *
     * @param ikm the input key material
     */
    void mixKeyAndHash(byte[] ikm) {
        checkUsable();
        hkdf(ikm, 3);
        mixHash(output2);
        cipherState.initializeKey(output3, 0);
        Arrays.fill(output2, (byte) 0);
        Arrays.fill(output3, (byte) 0);
    }

    /**
     * GetHandshakeHash.
     *
     * @return a copy of {@code h}
     */
    byte[] handshakeHash() {
        checkUsable();
        return h.clone();
    }

    /**
     * EncryptAndHash(plaintext): encrypts with {@code h} as associated data (or copies, before the first key), then
     * mixes the ciphertext into {@code h}.
     *
     * @param plaintext the bytes to encrypt
     * @param out       receives the ciphertext at {@code offset}
     * @param offset    where it goes
     * @return bytes written
     */
    int encryptAndHash(byte[] plaintext, byte[] out, int offset) {
        checkUsable();
        int written = cipherState.encrypt(h, 0, HASH_LENGTH, plaintext, 0, plaintext.length, out, offset);
        mixHash(out, offset, written);
        return written;
    }

    /**
     * DecryptAndHash(ciphertext): decrypts with {@code h} as associated data (or copies, before the first key), then
     * mixes the ciphertext into {@code h}.
     *
     * @param in     the message
     * @param offset where the ciphertext starts
     * @param length ciphertext bytes, including the tag if there is a key
     * @return the plaintext
     * @throws NoiseException if it does not authenticate
     */
    byte[] decryptAndHash(byte[] in, int offset, int length) {
        checkUsable();
        boolean keyed = cipherState.hasKey();
        if (keyed && length < CipherState.TAG_LENGTH) {
            throw new NoiseException(NoiseException.Reason.MALFORMED_MESSAGE,
                "encrypted field of " + length + " bytes is shorter than the " + CipherState.TAG_LENGTH + "-byte tag");
        }
        byte[] plaintext = new byte[keyed ? length - CipherState.TAG_LENGTH : length];
        cipherState.decrypt(h, 0, HASH_LENGTH, in, offset, length, plaintext, 0);
        mixHash(in, offset, length);
        return plaintext;
    }

    /**
     * Whether the cipher state has a key yet.
     *
     * @return HasKey of the inner cipher state
     */
    boolean hasKey() {
        return cipherState.hasKey();
    }

    /**
     * Split(): {@code temp_k1, temp_k2 = HKDF(ck, zerolen, 2)}, each the key of a new cipher state. Afterwards
     * {@code ck} is zero (it held {@code temp_k1}) and only {@link #handshakeHash()} and {@link #destroy()} remain
     * useful.
     *
     * @return the cipher state for initiator-to-responder messages, then the one for the other direction
     */
    CipherState[] split() {
        checkUsable();
        hkdf(EMPTY, 2);
        CipherState c1 = new CipherState(cipherFunction);
        CipherState c2 = new CipherState(cipherFunction);
        // hkdf wrote temp_k1 where the chaining key lives: it keys c1 and is wiped at once.
        c1.initializeKey(ck, 0);
        c2.initializeKey(output2, 0);
        Arrays.fill(ck, (byte) 0);
        Arrays.fill(output2, (byte) 0);
        return new CipherState[] {c1, c2};
    }

    /**
     * Zeroes {@code ck}, {@code h}, the temporaries and the inner cipher state. Idempotent.
     */
    void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        Arrays.fill(ck, (byte) 0);
        Arrays.fill(h, (byte) 0);
        Arrays.fill(tempKey, (byte) 0);
        Arrays.fill(output2, (byte) 0);
        Arrays.fill(output3, (byte) 0);
        cipherState.destroy();
        try {
            hmac.init(new RawKey(ZEROS, 0, HASH_LENGTH, HMAC));
        } catch (GeneralSecurityException | RuntimeException ignore) {
            // Best effort: the HMAC pads of the last key stay in the Mac object until it is collected.
        }
        sha256.reset();
    }

    /**
     * Whether {@link #destroy()} was called.
     *
     * @return true once destroyed
     */
    boolean isDestroyed() {
        return destroyed;
    }

    /** The live chaining key, for tests. */
    byte[] chainingKeyForTest() {
        return ck;
    }

    /** The live handshake hash, for tests. */
    byte[] handshakeHashForTest() {
        return h;
    }

    /** The inner cipher state, for tests. */
    CipherState cipherStateForTest() {
        return cipherState;
    }

    /**
     * HKDF(ck, ikm, n) of section 4.3 with HMAC-SHA256: writes output1 into {@code ck}, output2 into
     * {@link #output2} and, if {@code outputs} is 3, output3 into {@link #output3}.
     */
    private void hkdf(byte[] ikm, int outputs) {
        try {
            RawKey chainingKey = new RawKey(ck, 0, HASH_LENGTH, HMAC);
            hmac.init(chainingKey);
            chainingKey.destroy();
            hmac.update(ikm);
            hmac.doFinal(tempKey, 0);

            RawKey temp = new RawKey(tempKey, 0, HASH_LENGTH, HMAC);
            hmac.init(temp);
            temp.destroy();
            Arrays.fill(tempKey, (byte) 0);
            // After doFinal a Mac is reset with the same key, so each output needs no new init.
            hmac.update((byte) 0x01);
            hmac.doFinal(ck, 0);
            hmac.update(ck);
            hmac.update((byte) 0x02);
            hmac.doFinal(output2, 0);
            if (outputs == 3) {
                hmac.update(output2);
                hmac.update((byte) 0x03);
                hmac.doFinal(output3, 0);
            }
        } catch (GeneralSecurityException e) {
            throw new NoiseException(NoiseException.Reason.PROVIDER_FAILURE, "HMAC-SHA256 failed: " + e, e);
        }
    }

    private void digestInto(byte[] out) {
        try {
            sha256.digest(out, 0, HASH_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new NoiseException(NoiseException.Reason.PROVIDER_FAILURE, "SHA-256 failed: " + e, e);
        }
    }

    private void checkUsable() {
        if (destroyed) {
            throw new IllegalStateException("symmetric state destroyed");
        }
    }
}
