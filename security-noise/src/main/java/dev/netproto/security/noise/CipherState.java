package dev.netproto.security.noise;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * The CipherState of the Noise specification, revision 34, section 5.1: a key {@code k} (possibly empty) and a
 * 64-bit nonce {@code n}, used to seal or open one direction of a session. The nonce is an implicit counter: each
 * successful encryption or decryption under a key consumes the next value, so a replayed, dropped or reordered
 * message fails to authenticate. The value 2^64-1 is reserved (for {@link #rekey()}): reaching it makes every further
 * encryption and decryption fail with {@link NoiseException.Reason#NONCE_EXHAUSTED}.
 *
 * <p>Two API shapes: {@code byte[]} conveniences for the handshake, and absolute-index {@link ByteBuffer} regions for
 * the transport phase, so that a frame can be sealed in place in an outbound segment (plaintext at {@code off},
 * ciphertext and tag written back at {@code off}) and opened in place in the read buffer. The region methods never
 * change a buffer's position or limit. With heap buffers the JCE cipher works on the backing arrays directly; with
 * direct or read-only buffers (and for overlapping regions that do not start at the same index) the data is copied
 * through a scratch array owned by this object, grown to the largest message seen up to 64 KiB and a tag (larger
 * messages use a temporary array, wiped after use), because for direct buffers the JDK's ChaCha20-Poly1305 would
 * allocate a copy of the whole message and its AES-GCM staging arrays.
 *
 * <p>Message size: the specification limits every Noise message, transport messages included, to 65535 bytes
 * ({@link HandshakeState#MAX_MESSAGE_LENGTH}). {@code CipherState} does not enforce that limit; the framing layer
 * that uses it decides how larger frames are carried.
 *
 * <p>Failures: a message that does not authenticate throws {@link NoiseException} with
 * {@link NoiseException.Reason#AUTHENTICATION_FAILED}, does <em>not</em> advance the nonce, and leaves zeros in the
 * plaintext destination region. Argument errors (regions out of bounds, a read-only destination) are found before
 * any cryptographic work and consume no nonce.
 *
 * <p>Threading: not thread-safe. A cipher state belongs to one connection and is used only by that connection's
 * event loop thread.
 *
 * <p>Key hygiene: {@link #destroy()} zeroes this object's key and scratch arrays and re-initialises the JCE cipher
 * with an all-zero key, which in the JDK's SunJCE provider overwrites the copies of the key the cipher held. It cannot
 * reach copies the provider made and already dropped (one per {@code Cipher.init}: {@code Key.getEncoded()} must
 * return a fresh array), arrays the garbage collector moved, or derived state such as the Poly1305 key or the AES key
 * schedule of an earlier key; see the package documentation.
 */
public final class CipherState implements AutoCloseable {
    /** Bytes of the authentication tag appended to every ciphertext under a key. */
    public static final int TAG_LENGTH = 16;
    /** Bytes of a cipher key. */
    public static final int KEY_LENGTH = 32;
    /** The reserved nonce 2^64-1, as a signed long. */
    static final long MAX_NONCE = -1L;

    /**
     * The largest scratch array kept between messages: a Noise message's maximum (65535 bytes) and a tag, rounded.
     * A larger message gets a temporary array, wiped after use, so one big frame does not pin memory per connection.
     */
    static final int MAX_RETAINED_SCRATCH = 64 * 1024 + TAG_LENGTH;

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ZEROS = new byte[KEY_LENGTH];

    private final CipherFunction function;
    private final Cipher cipher;
    /** Reused nonce bytes: the JCE parameter specs copy them, so one array serves every message. */
    private final byte[] iv = new byte[CipherFunction.NONCE_LENGTH];
    private RawKey key;
    private long nonce;
    /** Copies of direct-buffer messages; holds the last such plaintext until overwritten or destroyed. */
    private byte[] scratch = EMPTY;
    /** Copies of direct-buffer associated data. */
    private byte[] adScratch = EMPTY;
    private boolean destroyed;

    /**
     * Creates a cipher state with an empty key.
     *
     * @param function the cipher function
     */
    CipherState(CipherFunction function) {
        this.function = function;
        this.cipher = function.newCipher();
    }

    /**
     * InitializeKey: sets the key to 32 bytes of {@code source} from {@code offset} (copied) and the nonce to 0,
     * destroying the previous key.
     *
     * @param source the key material
     * @param offset where the key starts
     */
    void initializeKey(byte[] source, int offset) {
        checkUsable();
        RawKey previous = key;
        key = new RawKey(source, offset, KEY_LENGTH, function.keyAlgorithm);
        nonce = 0;
        if (previous != null) {
            previous.destroy();
        }
    }

    /**
     * HasKey.
     *
     * @return whether a key is set; without one, encryption and decryption return their input unchanged
     */
    public boolean hasKey() {
        return key != null;
    }

    /**
     * SetNonce: sets the next nonce, for transports that carry explicit nonces. A stream transport, whose nonces are
     * implicit counters, never needs it.
     *
     * @param n the next nonce, as an unsigned 64-bit value ({@code -1L} is 2^64-1, which is reserved)
     */
    public void setNonce(long n) {
        checkUsable();
        nonce = n;
    }

    /**
     * Returns the next nonce.
     *
     * @return the nonce the next encryption or decryption uses, as an unsigned 64-bit value
     */
    public long nonce() {
        return nonce;
    }

    /**
     * Returns the cipher function's Noise name.
     *
     * @return {@code ChaChaPoly} or {@code AESGCM}
     */
    public String cipherName() {
        return function.noiseName;
    }

    /**
     * EncryptWithAd on byte arrays.
     *
     * @param ad        the associated data, or null for none
     * @param plaintext the plaintext
     * @return the ciphertext with its tag, or a copy of {@code plaintext} if there is no key
     * @throws NoiseException with {@link NoiseException.Reason#NONCE_EXHAUSTED} if the nonce is 2^64-1
     */
    public byte[] encryptWithAd(byte[] ad, byte[] plaintext) {
        checkUsable();
        byte[] a = ad == null ? EMPTY : ad;
        byte[] out = new byte[hasKey() ? plaintext.length + TAG_LENGTH : plaintext.length];
        encrypt(a, 0, a.length, plaintext, 0, plaintext.length, out, 0);
        return out;
    }

    /**
     * DecryptWithAd on byte arrays.
     *
     * @param ad         the associated data, or null for none
     * @param ciphertext the ciphertext with its tag
     * @return the plaintext, or a copy of {@code ciphertext} if there is no key
     * @throws NoiseException with {@link NoiseException.Reason#AUTHENTICATION_FAILED} if it does not authenticate
     *                        (the nonce is then unchanged), {@link NoiseException.Reason#NONCE_EXHAUSTED} if the
     *                        nonce is 2^64-1
     */
    public byte[] decryptWithAd(byte[] ad, byte[] ciphertext) {
        checkUsable();
        byte[] a = ad == null ? EMPTY : ad;
        if (hasKey() && ciphertext.length < TAG_LENGTH) {
            throw failShort(ciphertext.length);
        }
        byte[] out = new byte[hasKey() ? ciphertext.length - TAG_LENGTH : ciphertext.length];
        decrypt(a, 0, a.length, ciphertext, 0, ciphertext.length, out, 0);
        return out;
    }

    /**
     * EncryptWithAd on buffer regions: seals {@code length} bytes of {@code src} at {@code srcOffset} into
     * {@code dst} at {@code dstOffset}, followed by the tag. The regions may be the same (sealing in place); no
     * position or limit changes.
     *
     * @param ad        the associated data buffer, or null if {@code adLength} is 0
     * @param adOffset  where the associated data starts
     * @param adLength  associated data bytes
     * @param src       the plaintext buffer
     * @param srcOffset where the plaintext starts
     * @param length    plaintext bytes
     * @param dst       the ciphertext buffer, with room for {@code length + }{@link #TAG_LENGTH} bytes below its
     *                  limit (just {@code length} without a key)
     * @param dstOffset where the ciphertext goes
     * @return bytes written to {@code dst}
     * @throws NoiseException            with {@link NoiseException.Reason#NONCE_EXHAUSTED} if the nonce is 2^64-1
     * @throws IndexOutOfBoundsException if a region is not within its buffer's limit
     * @throws ReadOnlyBufferException   if {@code dst} is read-only
     */
    public int encryptWithAd(ByteBuffer ad, int adOffset, int adLength, ByteBuffer src, int srcOffset, int length,
        ByteBuffer dst, int dstOffset) {
        checkUsable();
        int outLength = hasKey() ? length + TAG_LENGTH : length;
        checkRegions(ad, adOffset, adLength, src, srcOffset, length, dst, dstOffset, outLength);
        return crypt(true, ad, adOffset, adLength, src, srcOffset, length, dst, dstOffset, outLength);
    }

    /**
     * DecryptWithAd on buffer regions: opens {@code length} bytes (ciphertext and tag) of {@code src} at
     * {@code srcOffset} into {@code dst} at {@code dstOffset}. The regions may start at the same index (opening in
     * place); no position or limit changes.
     *
     * @param ad        the associated data buffer, or null if {@code adLength} is 0
     * @param adOffset  where the associated data starts
     * @param adLength  associated data bytes
     * @param src       the ciphertext buffer
     * @param srcOffset where the ciphertext starts
     * @param length    ciphertext bytes including the tag
     * @param dst       the plaintext buffer, with room for {@code length - }{@link #TAG_LENGTH} bytes
     * @param dstOffset where the plaintext goes
     * @return bytes of plaintext written to {@code dst}
     * @throws NoiseException            with {@link NoiseException.Reason#AUTHENTICATION_FAILED} if the message does
     *                                   not authenticate (nonce unchanged, destination region zeroed),
     *                                   {@link NoiseException.Reason#MALFORMED_MESSAGE} if it is shorter than a
     *                                   tag, {@link NoiseException.Reason#NONCE_EXHAUSTED} if the nonce is 2^64-1
     * @throws IndexOutOfBoundsException if a region is not within its buffer's limit
     * @throws ReadOnlyBufferException   if {@code dst} is read-only
     */
    public int decryptWithAd(ByteBuffer ad, int adOffset, int adLength, ByteBuffer src, int srcOffset, int length,
        ByteBuffer dst, int dstOffset) {
        checkUsable();
        if (hasKey() && length < TAG_LENGTH) {
            throw failShort(length);
        }
        int outLength = hasKey() ? length - TAG_LENGTH : length;
        checkRegions(ad, adOffset, adLength, src, srcOffset, length, dst, dstOffset, outLength);
        return crypt(false, ad, adOffset, adLength, src, srcOffset, length, dst, dstOffset, outLength);
    }

    /**
     * Rekey: replaces the key with the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes). The nonce is not
     * reset. Both sides must rekey at the same point of the message stream.
     *
     * @throws IllegalStateException if there is no key
     */
    public void rekey() {
        checkUsable();
        if (key == null) {
            throw new IllegalStateException("rekey without a key");
        }
        byte[] out = new byte[KEY_LENGTH + TAG_LENGTH];
        try {
            function.nonce(iv, MAX_NONCE);
            cipher.init(Cipher.ENCRYPT_MODE, key, function.parameters(iv));
            cipher.doFinal(ZEROS, 0, KEY_LENGTH, out, 0);
            RawKey previous = key;
            key = new RawKey(out, 0, KEY_LENGTH, function.keyAlgorithm);
            previous.destroy();
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        } finally {
            Arrays.fill(out, (byte) 0);
        }
    }

    /**
     * Overwrites the key and scratch arrays with zeros and scrubs the JCE cipher (see the class documentation for
     * what this cannot reach). The cipher state is unusable afterwards. Idempotent.
     */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        if (key != null) {
            key.destroy();
        }
        Arrays.fill(scratch, (byte) 0);
        Arrays.fill(adScratch, (byte) 0);
        Arrays.fill(iv, (byte) 0);
        scrubCipher();
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

    /** The live key, for tests; null without a key. */
    RawKey keyForTest() {
        return key;
    }

    /** The scratch array, for the destroy tests. */
    byte[] scratchForTest() {
        return scratch;
    }

    /**
     * EncryptWithAd on array regions; {@code src} and {@code dst} may be the same region. The caller has checked
     * that the destination has room.
     */
    int encrypt(byte[] ad, int adOffset, int adLength, byte[] src, int srcOffset, int length, byte[] dst,
        int dstOffset) {
        try {
            return run(Cipher.ENCRYPT_MODE, ad, adOffset, adLength, src, srcOffset, length, dst, dstOffset);
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        }
    }

    /**
     * DecryptWithAd on array regions of at least a tag's length; {@code src} and {@code dst} may start at the same
     * index. On an authentication failure the nonce is unchanged and the destination region is zeroed.
     */
    int decrypt(byte[] ad, int adOffset, int adLength, byte[] src, int srcOffset, int length, byte[] dst,
        int dstOffset) {
        try {
            return run(Cipher.DECRYPT_MODE, ad, adOffset, adLength, src, srcOffset, length, dst, dstOffset);
        } catch (AEADBadTagException e) {
            // GCM decrypts before it checks the tag, and leaves that unauthenticated plaintext behind when working
            // in place: never let it out.
            Arrays.fill(dst, dstOffset, dstOffset + length - TAG_LENGTH, (byte) 0);
            throw failAuthentication(length);
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        }
    }

    /** One AEAD operation with the current nonce, which advances only on success; a copy while there is no key. */
    private int run(int mode, byte[] ad, int adOffset, int adLength, byte[] src, int srcOffset, int length,
        byte[] dst, int dstOffset) throws GeneralSecurityException {
        if (key == null) {
            System.arraycopy(src, srcOffset, dst, dstOffset, length);
            return length;
        }
        if (nonce == MAX_NONCE) {
            throw failNonceExhausted();
        }
        function.nonce(iv, nonce);
        cipher.init(mode, key, function.parameters(iv));
        if (adLength > 0) {
            cipher.updateAAD(ad, adOffset, adLength);
        }
        int written = cipher.doFinal(src, srcOffset, length, dst, dstOffset);
        nonce++;
        return written;
    }

    private int crypt(boolean encrypt, ByteBuffer ad, int adOffset, int adLength, ByteBuffer src, int srcOffset,
        int length, ByteBuffer dst, int dstOffset, int outLength) {
        byte[] adArray;
        int adStart;
        if (adLength == 0) {
            adArray = EMPTY;
            adStart = 0;
        } else if (ad.hasArray()) {
            adArray = ad.array();
            adStart = ad.arrayOffset() + adOffset;
        } else {
            if (adScratch.length < adLength) {
                adScratch = new byte[adLength];
            }
            ad.get(adOffset, adScratch, 0, adLength);
            adArray = adScratch;
            adStart = 0;
        }
        if (src.hasArray() && dst.hasArray()) {
            byte[] in = src.array();
            byte[] out = dst.array();
            int inStart = src.arrayOffset() + srcOffset;
            int outStart = dst.arrayOffset() + dstOffset;
            // The JCE ciphers handle exactly-in-place and disjoint regions without copying; any other overlap makes
            // them allocate a temporary array (or, for ChaCha20 on arrays, would corrupt the data).
            if (in != out || inStart == outStart || inStart + length <= outStart || outStart + outLength <= inStart) {
                return encrypt
                    ? encrypt(adArray, adStart, adLength, in, inStart, length, out, outStart)
                    : decrypt(adArray, adStart, adLength, in, inStart, length, out, outStart);
            }
        }
        int room = Math.max(length, outLength);
        byte[] work = scratch;
        if (work.length < room) {
            work = new byte[room];
            if (room <= MAX_RETAINED_SCRATCH) {
                Arrays.fill(scratch, (byte) 0);
                scratch = work;
            }
        }
        src.get(srcOffset, work, 0, length);
        try {
            int written = encrypt
                ? encrypt(adArray, adStart, adLength, work, 0, length, work, 0)
                : decrypt(adArray, adStart, adLength, work, 0, length, work, 0);
            dst.put(dstOffset, work, 0, written);
            return written;
        } catch (NoiseException e) {
            if (!encrypt && e.reason() == NoiseException.Reason.AUTHENTICATION_FAILED) {
                dst.put(dstOffset, work, 0, outLength);
            }
            throw e;
        } finally {
            if (work != scratch) {
                Arrays.fill(work, (byte) 0);
            }
        }
    }

    private static void checkRegions(ByteBuffer ad, int adOffset, int adLength, ByteBuffer src, int srcOffset,
        int length, ByteBuffer dst, int dstOffset, int outLength) {
        if (adLength != 0) {
            Objects.checkFromIndexSize(adOffset, adLength, ad.limit());
        }
        Objects.checkFromIndexSize(srcOffset, length, src.limit());
        Objects.checkFromIndexSize(dstOffset, outLength, dst.limit());
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
    }

    /** Re-initialises the cipher with a zero key so that SunJCE overwrites the key copies it holds. */
    private void scrubCipher() {
        try {
            RawKey zero = new RawKey(ZEROS, 0, KEY_LENGTH, function.keyAlgorithm);
            Arrays.fill(iv, (byte) 0xA5);
            cipher.init(Cipher.ENCRYPT_MODE, zero, function.parameters(iv));
            Arrays.fill(iv, (byte) 0);
        } catch (GeneralSecurityException | RuntimeException ignore) {
            // Best effort only: a provider that refuses (for example a repeated key and nonce) keeps its copies.
        }
    }

    private void checkUsable() {
        if (destroyed) {
            throw new IllegalStateException("cipher state destroyed");
        }
    }

    private static NoiseException failNonceExhausted() {
        return new NoiseException(NoiseException.Reason.NONCE_EXHAUSTED,
            "nonce exhausted: 2^64-1 is reserved, the key must be replaced");
    }

    private static NoiseException failAuthentication(int length) {
        return new NoiseException(NoiseException.Reason.AUTHENTICATION_FAILED,
            "message of " + length + " bytes failed authentication");
    }

    private static NoiseException failShort(int length) {
        return new NoiseException(NoiseException.Reason.MALFORMED_MESSAGE,
            "ciphertext of " + length + " bytes is shorter than the " + TAG_LENGTH + "-byte tag");
    }

    private NoiseException failProvider(GeneralSecurityException e) {
        return new NoiseException(NoiseException.Reason.PROVIDER_FAILURE,
            function.transformation + " failed in the JCE provider: " + e, e);
    }
}
