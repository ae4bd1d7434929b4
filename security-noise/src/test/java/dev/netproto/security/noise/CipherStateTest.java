package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(30)
class CipherStateTest {
    private static final byte[] KEY = NoiseTestSupport.hex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final byte[] AD = "header-16-bytes!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "attack at dawn".getBytes(StandardCharsets.US_ASCII);

    private static CipherState keyed(CipherFunction function) {
        CipherState c = new CipherState(function);
        c.initializeKey(KEY, 0);
        return c;
    }

    /** The AEAD computed directly with JCE: the reference for the nonce layout and for rekey. */
    private static byte[] reference(CipherFunction function, byte[] key, long nonce, byte[] ad, byte[] plaintext)
        throws Exception {
        byte[] iv = new byte[12];
        ByteBuffer.wrap(iv, 4, 8)
            .order(function == CipherFunction.CHACHA_POLY ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN)
            .putLong(nonce);
        Cipher cipher = Cipher.getInstance(function.transformation);
        if (function == CipherFunction.CHACHA_POLY) {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(iv));
        } else {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        }
        cipher.updateAAD(ad);
        return cipher.doFinal(plaintext);
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldEncodeTheNonceAsTheSpecificationSaysWhenEncrypting(CipherFunction function) throws Exception {
        CipherState c = keyed(function);
        long nonce = 0x0102030405060708L;
        c.setNonce(nonce);
        assertArrayEquals(reference(function, KEY, nonce, AD, MESSAGE), c.encryptWithAd(AD, MESSAGE));
        assertEquals(nonce + 1, c.nonce());
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldRoundTripWhenBothApisAndBufferKindsAreMixed(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        for (int size : new int[] {0, 1, 15, 16, 17, 1000, 70_000}) {
            byte[] plaintext = new byte[size];
            Arrays.fill(plaintext, (byte) size);
            for (String kind : new String[] {"heap", "direct", "readonly-source", "heap-shifted"}) {
                byte[] sealed = sender.encryptWithAd(AD, plaintext);
                assertEquals(size + CipherState.TAG_LENGTH, sealed.length);
                ByteBuffer in = switch (kind) {
                    case "direct" -> ByteBuffer.allocateDirect(sealed.length + 9).put(9, sealed);
                    case "readonly-source" -> ByteBuffer.allocate(sealed.length + 9).put(9, sealed).asReadOnlyBuffer();
                    default -> ByteBuffer.allocate(sealed.length + 9).put(9, sealed);
                };
                ByteBuffer ad = kind.equals("direct") ? ByteBuffer.allocateDirect(AD.length).put(0, AD)
                    : ByteBuffer.wrap(AD);
                ByteBuffer out = kind.equals("heap-shifted") ? in : ByteBuffer.allocateDirect(size + 3);
                int outOffset = kind.equals("heap-shifted") ? 4 : 3;
                // heap-shifted opens into the same array five bytes lower: overlapping, not in place.
                int opened = receiver.decryptWithAd(ad, 0, AD.length, in, 9, sealed.length, out, outOffset);
                assertEquals(size, opened);
                byte[] got = new byte[size];
                out.get(outOffset, got);
                assertArrayEquals(plaintext, got, kind + " " + size);
            }
        }
        assertEquals(sender.nonce(), receiver.nonce());
        assertTrue(receiver.scratchForTest().length <= CipherState.MAX_RETAINED_SCRATCH,
            "a 70,000-byte message does not pin its scratch array");
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldSealInPlaceWhenRegionsCoincide(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        CipherState reference = keyed(function);
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer segment = direct ? ByteBuffer.allocateDirect(256) : ByteBuffer.allocate(256);
            segment.put(100, AD).put(116, MESSAGE);
            int sealed = sender.encryptWithAd(segment, 100, 16, segment, 116, MESSAGE.length, segment, 116);
            byte[] wire = new byte[sealed];
            segment.get(116, wire);
            assertArrayEquals(reference.encryptWithAd(AD, MESSAGE), wire);
            assertEquals(0, segment.position());
            assertEquals(256, segment.limit());
            int opened = receiver.decryptWithAd(segment, 100, 16, segment, 116, sealed, segment, 116);
            byte[] plain = new byte[opened];
            segment.get(116, plain);
            assertArrayEquals(MESSAGE, plain);
        }
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldFailAuthenticationWhenAnyCiphertextBitIsFlipped(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        byte[] sealed = sender.encryptWithAd(AD, MESSAGE);
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] tampered = sealed.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            NoiseException e = assertThrows(NoiseException.class, () -> receiver.decryptWithAd(AD, tampered),
                "bit " + bit);
            assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, e.reason());
            assertEquals(0, receiver.nonce(), "a failed decryption must not advance the nonce");
        }
        assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, sealed));
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldFailAuthenticationWhenAnyAdBitIsFlipped(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        byte[] sealed = sender.encryptWithAd(AD, MESSAGE);
        for (int bit = 0; bit < AD.length * 8; bit++) {
            byte[] ad = AD.clone();
            ad[bit / 8] ^= (byte) (1 << (bit % 8));
            NoiseException e = assertThrows(NoiseException.class, () -> receiver.decryptWithAd(ad, sealed));
            assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, e.reason());
        }
        assertThrows(NoiseException.class, () -> receiver.decryptWithAd(null, sealed), "AD dropped");
        assertThrows(NoiseException.class, () -> receiver.decryptWithAd(Arrays.copyOf(AD, 17), sealed), "AD longer");
        assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, sealed));
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldFailWhenATransportMessageIsReplayed(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        byte[] first = sender.encryptWithAd(AD, MESSAGE);
        byte[] second = sender.encryptWithAd(AD, MESSAGE);
        assertFalse(Arrays.equals(first, second), "same plaintext, different nonce");
        receiver.decryptWithAd(AD, first);
        NoiseException e = assertThrows(NoiseException.class, () -> receiver.decryptWithAd(AD, first));
        assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, e.reason());
        assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, second));
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldFailWhenTransportMessagesAreReordered(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        byte[] first = sender.encryptWithAd(AD, MESSAGE);
        byte[] second = sender.encryptWithAd(AD, MESSAGE);
        assertThrows(NoiseException.class, () -> receiver.decryptWithAd(AD, second));
        assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, first));
        assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, second));
        assertThrows(NoiseException.class, () -> receiver.decryptWithAd(AD, first), "dropped in between");
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldStayInSyncAndChangeTheKeyWhenBothSidesRekey(CipherFunction function) throws Exception {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        for (int i = 0; i < 3; i++) {
            receiver.decryptWithAd(AD, sender.encryptWithAd(AD, MESSAGE));
        }
        byte[] before = sender.keyForTest().getEncoded();
        sender.rekey();
        receiver.rekey();
        byte[] after = sender.keyForTest().getEncoded();
        assertFalse(Arrays.equals(before, after), "rekey changes the key");
        assertArrayEquals(after, receiver.keyForTest().getEncoded());
        // REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64-1, zerolen, 32 zero bytes).
        byte[] expected = Arrays.copyOf(reference(function, before, -1L, new byte[0], new byte[32]), 32);
        assertArrayEquals(expected, after);
        assertEquals(3, sender.nonce(), "rekey does not reset the nonce");
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, sender.encryptWithAd(AD, MESSAGE)));
        }
        sender.rekey();
        byte[] unsynced = sender.encryptWithAd(AD, MESSAGE);
        assertThrows(NoiseException.class, () -> receiver.decryptWithAd(AD, unsynced), "only one side rekeyed");
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldFailWhenTheNonceIsExhausted(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        sender.setNonce(-2L);
        receiver.setNonce(-2L);
        assertArrayEquals(MESSAGE, receiver.decryptWithAd(AD, sender.encryptWithAd(AD, MESSAGE)), "2^64-2 is usable");
        assertEquals(-1L, sender.nonce());
        NoiseException e = assertThrows(NoiseException.class, () -> sender.encryptWithAd(AD, MESSAGE));
        assertEquals(NoiseException.Reason.NONCE_EXHAUSTED, e.reason());
        byte[] forged = new byte[MESSAGE.length + CipherState.TAG_LENGTH];
        e = assertThrows(NoiseException.class, () -> receiver.decryptWithAd(AD, forged));
        assertEquals(NoiseException.Reason.NONCE_EXHAUSTED, e.reason());
        ByteBuffer buffer = ByteBuffer.allocateDirect(64);
        e = assertThrows(NoiseException.class, () -> sender.encryptWithAd(null, 0, 0, buffer, 0, 8, buffer, 0));
        assertEquals(NoiseException.Reason.NONCE_EXHAUSTED, e.reason());
        assertEquals(-1L, sender.nonce());
        sender.rekey();
        assertThrows(NoiseException.class, () -> sender.encryptWithAd(AD, MESSAGE), "rekey does not reset n");
    }

    @ParameterizedTest
    @EnumSource(CipherFunction.class)
    void shouldZeroTheDestinationWhenAuthenticationFails(CipherFunction function) {
        CipherState sender = keyed(function);
        CipherState receiver = keyed(function);
        byte[] sealed = sender.encryptWithAd(AD, MESSAGE);
        sealed[0] ^= 1;
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(64) : ByteBuffer.allocate(64);
            buffer.put(8, sealed);
            assertThrows(NoiseException.class,
                () -> receiver.decryptWithAd(null, 0, 0, buffer, 8, sealed.length, buffer, 8));
            for (int i = 8; i < 8 + MESSAGE.length; i++) {
                assertEquals(0, buffer.get(i), "no unauthenticated plaintext left at " + i);
            }
        }
        assertEquals(0, receiver.nonce());
    }

    @Test
    void shouldCheckRegionsBeforeConsumingANonce() {
        CipherState c = keyed(CipherFunction.CHACHA_POLY);
        ByteBuffer buffer = ByteBuffer.allocate(32);
        assertThrows(IndexOutOfBoundsException.class, () -> c.encryptWithAd(null, 0, 0, buffer, 0, 20, buffer, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> c.encryptWithAd(buffer, 30, 4, buffer, 0, 4, buffer, 0));
        assertThrows(ReadOnlyBufferException.class,
            () -> c.encryptWithAd(null, 0, 0, buffer, 0, 4, buffer.asReadOnlyBuffer(), 0));
        NoiseException e = assertThrows(NoiseException.class,
            () -> c.decryptWithAd(null, 0, 0, buffer, 0, 15, buffer, 0));
        assertEquals(NoiseException.Reason.MALFORMED_MESSAGE, e.reason());
        assertEquals(0, c.nonce());
    }

    @Test
    void shouldPassDataThroughWhenThereIsNoKey() {
        CipherState c = new CipherState(CipherFunction.AES_GCM);
        assertFalse(c.hasKey());
        assertArrayEquals(MESSAGE, c.encryptWithAd(AD, MESSAGE));
        assertArrayEquals(MESSAGE, c.decryptWithAd(AD, MESSAGE));
        ByteBuffer buffer = ByteBuffer.allocateDirect(32).put(0, MESSAGE);
        assertEquals(MESSAGE.length, c.encryptWithAd(null, 0, 0, buffer, 0, MESSAGE.length, buffer, 2));
        byte[] moved = new byte[MESSAGE.length];
        buffer.get(2, moved);
        assertArrayEquals(MESSAGE, moved);
        assertEquals(0, c.nonce(), "no nonce is consumed without a key");
        assertThrows(IllegalStateException.class, c::rekey);
    }

    @Test
    void shouldRefuseUseWhenDestroyed() {
        CipherState c = keyed(CipherFunction.CHACHA_POLY);
        c.close();
        assertTrue(c.isDestroyed());
        assertThrows(IllegalStateException.class, () -> c.encryptWithAd(AD, MESSAGE));
        assertThrows(IllegalStateException.class, () -> c.decryptWithAd(AD, MESSAGE));
        assertThrows(IllegalStateException.class, c::rekey);
        c.destroy();
    }
}
