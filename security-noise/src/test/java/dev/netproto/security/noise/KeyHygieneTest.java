package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** destroy() and its automatic forms wipe the key material this package owns. */
@Timeout(10)
class KeyHygieneTest {
    private static final byte[] ZERO32 = new byte[32];

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void shouldWipeTheKeyAndScratchWhenACipherStateIsDestroyed() {
        CipherState c = new CipherState(CipherFunction.CHACHA_POLY);
        c.initializeKey(NoiseTestSupport.RESPONDER_STATIC, 0);
        ByteBuffer direct = ByteBuffer.allocateDirect(100);
        direct.put(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        c.encryptWithAd(null, 0, 0, direct, 0, 8, direct, 0);
        RawKey key = c.keyForTest();
        byte[] scratch = c.scratchForTest();
        assertFalse(allZero(key.bytesForTest()));
        assertFalse(allZero(scratch));
        c.destroy();
        assertTrue(allZero(key.bytesForTest()), "key wiped");
        assertTrue(key.isDestroyed());
        assertTrue(allZero(scratch), "scratch wiped");
        assertThrows(IllegalStateException.class, key::getEncoded);
    }

    @Test
    void shouldWipeTheOldKeyWhenRekeyingOrReplacingIt() {
        CipherState c = new CipherState(CipherFunction.AES_GCM);
        c.initializeKey(NoiseTestSupport.RESPONDER_STATIC, 0);
        RawKey first = c.keyForTest();
        c.rekey();
        assertTrue(allZero(first.bytesForTest()), "rekey wipes the old key");
        RawKey second = c.keyForTest();
        c.initializeKey(NoiseTestSupport.INITIATOR_STATIC, 0);
        assertTrue(allZero(second.bytesForTest()), "initializeKey wipes the old key");
    }

    @Test
    void shouldWipeChainingKeyHashAndCipherKeyWhenASymmetricStateIsDestroyed() {
        SymmetricState s = new SymmetricState("Noise_XX_25519_ChaChaPoly_SHA256", CipherFunction.CHACHA_POLY);
        s.mixKey(NoiseTestSupport.INITIATOR_STATIC);
        byte[] ck = s.chainingKeyForTest();
        byte[] h = s.handshakeHashForTest();
        RawKey key = s.cipherStateForTest().keyForTest();
        assertFalse(allZero(ck));
        s.destroy();
        assertArrayEquals(ZERO32, ck);
        assertArrayEquals(ZERO32, h);
        assertTrue(allZero(key.bytesForTest()));
        assertThrows(IllegalStateException.class, () -> s.mixHash(new byte[1]));
    }

    @Test
    void shouldWipeTheEphemeralKeyWhenTheHandshakeCompletesAndEverythingWhenDestroyed() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_XX_25519_ChaChaPoly_SHA256", false, null);
        s.responder().readMessage(s.initiator().writeMessage(new byte[0]));
        NoiseKeyPair ephemeral = s.initiator().ephemeralForTest();
        byte[] ephemeralPrivate = ephemeral.privateKeyForTest();
        assertFalse(allZero(ephemeralPrivate));
        s.initiator().readMessage(s.responder().writeMessage(new byte[0]));
        s.responder().readMessage(s.initiator().writeMessage(new byte[0]));
        assertTrue(s.initiator().isComplete());
        assertTrue(allZero(ephemeralPrivate), "ephemeral private key wiped at completion");
        assertTrue(ephemeral.isDestroyed());

        SymmetricState symmetric = s.initiator().symmetricForTest();
        byte[] h = symmetric.handshakeHashForTest();
        CipherStatePair pair = s.initiator().split();
        RawKey sendKey = pair.sender().keyForTest();
        assertFalse(allZero(h), "the hash outlives the handshake, for channel binding");
        s.initiator().destroy();
        assertArrayEquals(ZERO32, h);
        assertArrayEquals(ZERO32, symmetric.chainingKeyForTest());
        assertFalse(allZero(sendKey.bytesForTest()), "the split cipher states belong to the caller now");
        assertFalse(allZero(NoiseTestSupport.INITIATOR_STATIC_PAIR.privateKeyForTest()),
            "the static key pair belongs to the caller");
        assertThrows(IllegalStateException.class, () -> s.initiator().handshakeHash());
        pair.close();
        assertTrue(allZero(sendKey.bytesForTest()));

        // Not taken: the handshake destroys its split cipher states itself.
        RawKey unclaimed = s.responder().splitForTest().receiver().keyForTest();
        RawKey handshakePhase = s.responder().symmetricForTest().cipherStateForTest().keyForTest();
        s.responder().destroy();
        assertTrue(allZero(unclaimed.bytesForTest()));
        assertTrue(allZero(handshakePhase.bytesForTest()));
    }

    @Test
    void shouldWipeEverythingWhenAHandshakeFails() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_NK_25519_AESGCM_SHA256", false, null);
        byte[] message = s.initiator().writeMessage(new byte[4]);
        message[40] ^= 1;
        SymmetricState symmetric = s.responder().symmetricForTest();
        byte[] ck = symmetric.chainingKeyForTest();
        assertThrows(NoiseException.class, () -> s.responder().readMessage(message));
        assertArrayEquals(ZERO32, ck);
        assertTrue(symmetric.isDestroyed());
        assertTrue(allZero(s.responder().ephemeralForTest() == null ? ZERO32
            : s.responder().ephemeralForTest().privateKeyForTest()));
    }

    @Test
    void shouldWipeThePrivateKeyButKeepThePublicKeyWhenAKeyPairIsDestroyed() {
        NoiseKeyPair pair = NoiseKeyPair.generate();
        byte[] publicKey = pair.publicKey();
        byte[] privateKey = pair.privateKeyForTest();
        assertFalse(allZero(privateKey));
        assertArrayEquals(privateKey, pair.privateKey());
        byte[] copy = pair.privateKey();
        copy[0] ^= 1;
        assertFalse(Arrays.equals(copy, pair.privateKey()), "privateKey() returns a copy");
        pair.close();
        assertTrue(allZero(privateKey));
        assertThrows(IllegalStateException.class, pair::privateKey);
        assertThrows(IllegalStateException.class, pair::jcaPrivateKey);
        assertArrayEquals(publicKey, pair.publicKey());
        assertThrows(IllegalArgumentException.class, () -> HandshakeState.initiator(
            NoiseProtocol.parse("Noise_XX_25519_ChaChaPoly_SHA256"), null, pair, null));
    }
}
