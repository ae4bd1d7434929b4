package dev.netproto.security.noise;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * The cipher functions of the Noise specification (revision 34, section 5.1 and 12.3/12.4), on the JDK's JCE
 * implementations. Both use 32-byte keys, a 96-bit nonce made of 32 zero bits and the 64-bit counter, and a 16-byte
 * tag; they differ in the byte order of the counter.
 */
enum CipherFunction {
    /** ChaCha20-Poly1305 of RFC 8439; the counter is little-endian. */
    CHACHA_POLY("ChaChaPoly", "ChaCha20-Poly1305", "ChaCha20", ByteOrder.LITTLE_ENDIAN) {
        @Override
        AlgorithmParameterSpec parameters(byte[] iv) {
            return new IvParameterSpec(iv);
        }
    },
    /** AES-256 in GCM with a 128-bit tag; the counter is big-endian. */
    AES_GCM("AESGCM", "AES/GCM/NoPadding", "AES", ByteOrder.BIG_ENDIAN) {
        @Override
        AlgorithmParameterSpec parameters(byte[] iv) {
            return new GCMParameterSpec(TAG_BITS, iv);
        }
    };

    /** Bytes in a nonce as the AEADs take it. */
    static final int NONCE_LENGTH = 12;
    /** Where the 64-bit counter sits in the nonce: after 32 zero bits. */
    static final int COUNTER_OFFSET = 4;
    private static final int TAG_BITS = 128;

    /** The name in a Noise protocol name. */
    final String noiseName;
    /** The JCA transformation. */
    final String transformation;
    /** The JCA key algorithm. */
    final String keyAlgorithm;
    private final VarHandle counter;

    CipherFunction(String noiseName, String transformation, String keyAlgorithm, ByteOrder order) {
        this.noiseName = noiseName;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
        this.counter = MethodHandles.byteArrayViewVarHandle(long[].class, order);
    }

    /**
     * Writes the nonce for counter {@code n} into {@code iv}, whose first four bytes stay zero.
     *
     * @param iv a {@link #NONCE_LENGTH}-byte array
     * @param n  the counter, unsigned
     */
    final void nonce(byte[] iv, long n) {
        counter.set(iv, COUNTER_OFFSET, n);
    }

    /**
     * Wraps a nonce as the parameters {@link Cipher#init} takes; the JCE classes copy {@code iv}.
     *
     * @param iv the nonce
     * @return the parameter spec
     */
    abstract AlgorithmParameterSpec parameters(byte[] iv);

    /**
     * Returns a new JCE cipher for this function.
     *
     * @return an uninitialised cipher
     * @throws NoiseException if the JDK lacks the algorithm
     */
    final Cipher newCipher() {
        try {
            return Cipher.getInstance(transformation);
        } catch (GeneralSecurityException e) {
            throw new NoiseException(NoiseException.Reason.PROVIDER_FAILURE,
                "no JCE implementation of " + transformation + " for Noise cipher " + noiseName, e);
        }
    }

    /**
     * Finds a cipher function by its Noise name.
     *
     * @param noiseName {@code ChaChaPoly} or {@code AESGCM}
     * @return the function, or null if there is none of that name
     */
    static CipherFunction byNoiseName(String noiseName) {
        for (CipherFunction f : values()) {
            if (f.noiseName.equals(noiseName)) {
                return f;
            }
        }
        return null;
    }
}
