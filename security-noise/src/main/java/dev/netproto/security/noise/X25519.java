package dev.netproto.security.noise;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * The Noise DH function {@code 25519} (specification revision 34, section 12.1) on the JDK's XDH implementation:
 * X25519 of RFC 7748 with 32-byte little-endian public keys and private scalars.
 *
 * <p>Conversions: a public key's 32 bytes are the little-endian u-coordinate; RFC 7748 section 5 requires the most
 * significant bit of the last byte to be masked before use, which {@link #publicKey(byte[])} does (the JDK reduces the
 * result modulo p). A private key is the raw 32-byte scalar; the JDK clamps it when it multiplies, so the unclamped
 * bytes are what we store and hand over. Deriving a public key from a private one is
 * {@link dev.netproto.api.NoisePublicKey#derive}, the one derivation in netproto.
 *
 * <p>Not thread-safe: it holds one {@link KeyAgreement}; each {@link HandshakeState} has its own.
 */
final class X25519 {
    /** DHLEN: bytes of a public key, of a private key and of a shared secret. */
    static final int DH_LENGTH = 32;

    private final KeyFactory keyFactory;
    private final KeyAgreement agreement;

    /**
     * Looks up the JCA objects.
     *
     * @throws NoiseException if the JDK has no X25519
     */
    X25519() {
        try {
            keyFactory = KeyFactory.getInstance("X25519");
            agreement = KeyAgreement.getInstance("X25519");
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        }
    }

    /**
     * Builds a JCA private key from a raw scalar.
     *
     * @param scalar 32 bytes; copied by the JDK
     * @return the key
     */
    PrivateKey privateKey(byte[] scalar) {
        try {
            return keyFactory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        }
    }

    /**
     * Builds a JCA public key from its 32-byte encoding.
     *
     * @param encoded the little-endian u-coordinate; its top bit is ignored
     * @param offset  where it starts
     * @return the key
     */
    PublicKey publicKey(byte[] encoded, int offset) {
        try {
            return keyFactory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(encoded, offset)));
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        }
    }

    /** Same as {@link #publicKey(byte[], int)} at offset 0. */
    PublicKey publicKey(byte[] encoded) {
        return publicKey(encoded, 0);
    }

    /**
     * DH(private, public): writes the 32-byte shared secret into {@code out}.
     *
     * @param local  the private key
     * @param remote the peer's public key
     * @param out    receives the shared secret at {@code offset}
     * @param offset where the secret goes
     * @throws NoiseException with {@link NoiseException.Reason#INVALID_PUBLIC_KEY} if the result is all zeros
     */
    void agree(PrivateKey local, PublicKey remote, byte[] out, int offset) {
        try {
            agreement.init(local);
            agreement.doPhase(remote, true);
            agreement.generateSecret(out, offset);
        } catch (InvalidKeyException e) {
            // The JDK refuses an all-zero result ("Point has small order"): RFC 7748 section 6.1's check, which
            // Noise section 12.1 allows.
            throw new NoiseException(NoiseException.Reason.INVALID_PUBLIC_KEY,
                "X25519 with the peer's public key gave an all-zero result (low-order point)", e);
        } catch (GeneralSecurityException e) {
            throw failProvider(e);
        }
    }

    /**
     * Decodes a u-coordinate as RFC 7748 section 5 says: little-endian, top bit of the last byte masked.
     *
     * @param encoded 32 bytes from {@code offset}
     * @param offset  where they start
     * @return u, not yet reduced modulo p
     */
    static BigInteger decodeU(byte[] encoded, int offset) {
        byte[] bigEndian = new byte[DH_LENGTH];
        for (int i = 0; i < DH_LENGTH; i++) {
            bigEndian[i] = encoded[offset + DH_LENGTH - 1 - i];
        }
        bigEndian[0] &= 0x7F;
        return new BigInteger(1, bigEndian);
    }

    private static NoiseException failProvider(GeneralSecurityException e) {
        return new NoiseException(NoiseException.Reason.PROVIDER_FAILURE, "X25519 failed in the JCA provider: " + e, e);
    }
}
