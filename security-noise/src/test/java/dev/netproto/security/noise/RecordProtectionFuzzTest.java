package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of {@link NoiseRecordProtection}: {@code open} on any record the core would hand it (flags
 * it owns, a body longer than the tag) opens it or fails with {@link SecurityFailure}, never another exception; a
 * record sealed by the peer opens to its plaintext.
 *
 * <p>Input: byte 0 bit 0 seals the payload with the peer's key first (else the payload is taken as a sealed body),
 * bit 1 uses AES-GCM instead of ChaChaPoly, bit 2 sets the rekey flag (the peer seals with a rekey after every
 * record), bit 3 pads the payload with zeros to about the largest record; the rest is the payload. Seeds:
 * {@code src/test/resources/dev/netproto/security/noise/RecordProtectionFuzzTestInputs/}.
 */
class RecordProtectionFuzzTest {
    private static final int HEADER = 1;
    private static final int RECORD_HEADER = RecordProtection.HEADER_LENGTH;
    private static final int TAG = CipherState.TAG_LENGTH;
    private static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i * 7 + 1);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void shouldOpenOrRefuseWhenGivenAnySealedRecord(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        int options = input[0];
        CipherFunction function = (options & 2) != 0 ? CipherFunction.AES_GCM : CipherFunction.CHACHA_POLY;
        boolean sealFirst = (options & 1) != 0;
        byte[] payload = Arrays.copyOfRange(input, HEADER, input.length);
        int maxPlain = RecordProtection.MAX_BODY_LENGTH - TAG;
        if ((options & 8) != 0) {
            payload = Arrays.copyOf(payload, maxPlain - 64 + payload.length % 64);
        }
        if (payload.length > (sealFirst ? maxPlain : RecordProtection.MAX_BODY_LENGTH)) {
            payload = Arrays.copyOf(payload, sealFirst ? maxPlain : RecordProtection.MAX_BODY_LENGTH);
        }
        if (payload.length == 0 || !sealFirst && payload.length <= TAG) {
            return;
        }
        NoiseRecordProtection protection = protection(function, Long.MAX_VALUE);
        int body = sealFirst ? payload.length + TAG : payload.length;
        ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER + body);
        record.put(RECORD_HEADER, payload);
        if (sealFirst) {
            NoiseRecordProtection peer = protection(function, (options & 4) != 0 ? 1 : Long.MAX_VALUE);
            peer.seal(record, 0, payload.length);
            peer.destroy();
        } else {
            record.put(0, (byte) ((options & 4) != 0 ? NoiseRecordProtection.FLAG_REKEY : 0));
            record.putShort(1, (short) body);
        }
        try {
            try {
                assertEquals(body - TAG, protection.open(record, 0), "open() returned another length");
            } catch (SecurityFailure refused) {
                assertTrue(!sealFirst, "a record sealed by the peer failed to open: " + refused.getMessage());
                return;
            }
            if (sealFirst) {
                byte[] opened = new byte[payload.length];
                record.get(RECORD_HEADER, opened);
                assertArrayEquals(payload, opened, "the opened payload differs from what was sealed");
            }
        } finally {
            protection.destroy();
        }
    }

    private static NoiseRecordProtection protection(CipherFunction function, long rekeyAfterMessages) {
        CipherState sender = new CipherState(function);
        sender.initializeKey(KEY, 0);
        CipherState receiver = new CipherState(function);
        receiver.initializeKey(KEY, 0);
        return new NoiseRecordProtection(new CipherStatePair(sender, receiver), rekeyAfterMessages, Long.MAX_VALUE);
    }
}
