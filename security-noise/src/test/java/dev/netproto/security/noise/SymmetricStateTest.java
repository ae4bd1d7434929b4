package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SymmetricState against independent references: Noise's HKDF equals RFC 5869 HKDF-SHA256 with the chaining key as
 * salt and empty info, so the expected outputs were computed with another implementation (Python's
 * {@code cryptography} package) for these inputs.
 */
@Timeout(10)
class SymmetricStateTest {
    private static final byte[] CK = NoiseTestSupport.hex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    /** Bytes 100..139. */
    private static final byte[] IKM = NoiseTestSupport.hex("6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        + "808182838485868788898a8b");
    /** RFC 5869 HKDF-SHA256(salt = CK, IKM, info = empty, L = 96): Noise's output1 || output2 || output3. */
    private static final String HKDF3 = "2545ac8573c8b72987dbd32f79051bdfc99c75f204358a3819ae6eaf35322ae8"
        + "3d6f176a085e1399648b1867578abcc1c54ab2817cb5af1220fe7eccd5fe941d"
        + "96d07c59547707a23246fd95d5f35a4498dbbf4fa0f7b4cdab4bb38045b1049e";
    /** RFC 5869 HKDF-SHA256(salt = CK, IKM = empty, info = empty, L = 64): Split's two keys. */
    private static final String SPLIT = "1d7e0d6f1d9da2d68dabed53b5f88345f3fd01cb75411fbe5aa4293bd8f430d6"
        + "3ed9b8035bbf370b8cfef7ff15007de45488e18660c84e3d996e8e6c658fa7f8";

    /** A symmetric state whose chaining key is {@link #CK}: the protocol name is padded into h, and ck = h. */
    private static SymmetricState withChainingKey() {
        SymmetricState s = new SymmetricState("Noise_XX_25519_AESGCM_SHA256", CipherFunction.AES_GCM);
        System.arraycopy(CK, 0, s.chainingKeyForTest(), 0, 32);
        return s;
    }

    @Test
    void shouldPadShortNamesAndHashLongOnesWhenInitializing() throws Exception {
        String shortName = "Noise_XX_25519_AESGCM_SHA256";
        SymmetricState s = new SymmetricState(shortName, CipherFunction.AES_GCM);
        assertArrayEquals(Arrays.copyOf(shortName.getBytes(StandardCharsets.US_ASCII), 32), s.handshakeHash());
        assertArrayEquals(s.handshakeHash(), s.chainingKeyForTest());

        String exact = "Noise_XX_25519_ChaChaPoly_SHA256";
        assertEquals(32, exact.length());
        assertArrayEquals(exact.getBytes(StandardCharsets.US_ASCII),
            new SymmetricState(exact, CipherFunction.CHACHA_POLY).handshakeHash());

        String longName = "Noise_XXfallback+psk0_25519_ChaChaPoly_SHA256";
        byte[] hashed = MessageDigest.getInstance("SHA-256").digest(longName.getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(hashed, new SymmetricState(longName, CipherFunction.CHACHA_POLY).handshakeHash());
    }

    @Test
    void shouldDeriveTheChainingKeyAndCipherKeyWithHkdfWhenMixingKey() {
        SymmetricState s = withChainingKey();
        s.mixKey(IKM);
        assertEquals(HKDF3.substring(0, 64), NoiseTestSupport.hex(s.chainingKeyForTest()));
        assertEquals(HKDF3.substring(64, 128), NoiseTestSupport.hex(s.cipherStateForTest().keyForTest().getEncoded()));
        assertEquals(0, s.cipherStateForTest().nonce());
    }

    @Test
    void shouldMixTheSecondOutputIntoTheHashAndKeyWithTheThirdWhenMixingKeyAndHash() throws Exception {
        SymmetricState s = withChainingKey();
        byte[] h = s.handshakeHash();
        s.mixKeyAndHash(IKM);
        assertEquals(HKDF3.substring(0, 64), NoiseTestSupport.hex(s.chainingKeyForTest()));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(h);
        sha.update(NoiseTestSupport.hex(HKDF3.substring(64, 128)));
        assertArrayEquals(sha.digest(), s.handshakeHash());
        assertEquals(HKDF3.substring(128), NoiseTestSupport.hex(s.cipherStateForTest().keyForTest().getEncoded()));
    }

    @Test
    void shouldHashTheOldHashAndTheDataWhenMixingHash() throws Exception {
        SymmetricState s = withChainingKey();
        byte[] h = s.handshakeHash();
        s.mixHash(IKM);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(h);
        sha.update(IKM);
        assertArrayEquals(sha.digest(), s.handshakeHash());
    }

    @Test
    void shouldKeyTheTwoCipherStatesWithHkdfOfAnEmptyInputWhenSplitting() {
        SymmetricState s = withChainingKey();
        CipherState[] c = s.split();
        assertEquals(SPLIT.substring(0, 64), NoiseTestSupport.hex(c[0].keyForTest().getEncoded()));
        assertEquals(SPLIT.substring(64), NoiseTestSupport.hex(c[1].keyForTest().getEncoded()));
        assertArrayEquals(new byte[32], s.chainingKeyForTest(), "ck (temp_k1) is wiped after the split");
    }

    @Test
    void shouldCopyBeforeAKeyAndEncryptAfterWhenEncryptingAndHashing() {
        SymmetricState a = withChainingKey();
        SymmetricState b = withChainingKey();
        byte[] plaintext = "static key".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[plaintext.length + CipherState.TAG_LENGTH];
        assertEquals(plaintext.length, a.encryptAndHash(plaintext, out, 0));
        assertArrayEquals(plaintext, Arrays.copyOf(out, plaintext.length));
        assertArrayEquals(plaintext, b.decryptAndHash(out, 0, plaintext.length));
        assertArrayEquals(a.handshakeHash(), b.handshakeHash());
        a.mixKey(IKM);
        b.mixKey(IKM);
        assertEquals(out.length, a.encryptAndHash(plaintext, out, 0));
        assertArrayEquals(plaintext, b.decryptAndHash(out, 0, out.length));
        assertArrayEquals(a.handshakeHash(), b.handshakeHash());
    }
}
