package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netproto.api.spi.FrameProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of {@link NoiseFrameProtection}: {@code plainLength} is -1 or the inverse of
 * {@code sealedLength} for any length, and {@code open} on any frame whose length the reader accepts opens it or
 * fails with {@link SecurityFailure}, never another exception; a frame sealed by the peer opens to its plaintext.
 *
 * <p>Input: byte 0 bit 0 seals the payload with the peer's key first (else the payload is taken as sealed), bit 1
 * uses AES-GCM instead of ChaChaPoly, bit 2 sets the rekey flag (the peer seals with a rekey after every frame),
 * bit 3 pads the payload with zeros to about one Noise message, where chunking starts; bytes 1-4 are a length for
 * the length functions (big endian); the rest is the payload. Seeds:
 * {@code src/test/resources/dev/netproto/security/noise/FrameProtectionFuzzTestInputs/}.
 */
class FrameProtectionFuzzTest {
    private static final int HEADER = 5;
    private static final int FRAME_HEADER = FrameProtection.HEADER_LENGTH;
    private static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i * 7 + 1);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void shouldOpenOrRefuseWhenGivenAnySealedFrame(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        int options = input[0];
        int length = ByteBuffer.wrap(input, 1, 4).getInt();
        CipherFunction function = (options & 2) != 0 ? CipherFunction.AES_GCM : CipherFunction.CHACHA_POLY;
        NoiseFrameProtection protection = protection(function, Long.MAX_VALUE);
        checkLengths(protection, length);

        byte[] payload = new byte[input.length - HEADER];
        System.arraycopy(input, HEADER, payload, 0, payload.length);
        if ((options & 8) != 0) {
            payload = Arrays.copyOf(payload, NoiseFrameProtection.CHUNK_PLAIN - 128 + (length & 0xFF));
        }
        boolean sealFirst = (options & 1) != 0;
        int sealed = sealFirst ? protection.sealedLength(payload.length) : payload.length;
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER + Math.max(sealed, payload.length));
        frame.putShort(0, (short) 0x4E50).put(2, (byte) 1).put(3, (byte) 5).putInt(8, 1).putInt(12, sealed);
        frame.put(FRAME_HEADER, payload);
        if (sealFirst) {
            NoiseFrameProtection peer = protection(function, (options & 4) != 0 ? 1 : Long.MAX_VALUE);
            peer.seal(frame, 0, payload.length);
            peer.destroy();
        } else if ((options & 4) != 0) {
            frame.put(4, (byte) NoiseFrameProtection.FLAG_REKEY);
        }
        try {
            int plain = protection.plainLength(sealed);
            if (plain < 0) {
                return;
            }
            try {
                assertEquals(plain, protection.open(frame, 0, sealed), "open() returned another length");
            } catch (SecurityFailure refused) {
                assertTrue(!sealFirst, "a frame sealed by the peer failed to open: " + refused.getMessage());
                return;
            }
            if (sealFirst) {
                byte[] opened = new byte[plain];
                frame.get(FRAME_HEADER, opened);
                assertArrayEquals(payload, opened, "the opened payload differs from what was sealed");
            }
        } finally {
            protection.destroy();
        }
    }

    private static void checkLengths(NoiseFrameProtection protection, int length) {
        int plain = protection.plainLength(length);
        assertTrue(plain >= -1, "plainLength(" + length + ") = " + plain);
        if (plain >= 0) {
            assertEquals(length, protection.sealedLength(plain), "sealedLength(plainLength(" + length + "))");
        }
        int x = length & 0x3FFF_FFFF;
        assertEquals(x, protection.plainLength(protection.sealedLength(x)), "plainLength(sealedLength(" + x + "))");
    }

    private static NoiseFrameProtection protection(CipherFunction function, long rekeyAfterMessages) {
        CipherState sender = new CipherState(function);
        sender.initializeKey(KEY, 0);
        CipherState receiver = new CipherState(function);
        receiver.initializeKey(KEY, 0);
        return new NoiseFrameProtection(new CipherStatePair(sender, receiver), rekeyAfterMessages, Long.MAX_VALUE);
    }
}
