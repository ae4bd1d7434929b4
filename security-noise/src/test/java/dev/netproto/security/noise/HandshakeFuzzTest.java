package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the responder's handshake reader: arbitrary first and third messages are read or
 * refused with {@link NoiseException} (or an {@link IllegalArgumentException}), never another exception, and a
 * refused handshake is dead. Ephemerals are fixed, so a seed holding a real initiator's messages completes.
 *
 * <p>Input: byte 0 picks the protocol ({@link #PROTOCOLS}, modulo), bytes 1-2 the length of the first message (big
 * endian); the first message follows, then the third (ignored by the two-message patterns NK and IK). Seeds:
 * {@code src/test/resources/dev/netproto/security/noise/HandshakeFuzzTestInputs/}.
 */
class HandshakeFuzzTest {
    static final String[] PROTOCOLS = {
        "Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XX_25519_AESGCM_SHA256",
        "Noise_NK_25519_ChaChaPoly_SHA256", "Noise_NK_25519_AESGCM_SHA256",
        "Noise_IK_25519_ChaChaPoly_SHA256", "Noise_IK_25519_AESGCM_SHA256"};
    static final byte[] PROLOGUE = "netproto HELLO".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 3;

    @FuzzTest(maxDuration = "30s")
    void shouldReadOrRefuseWhenTheInitiatorSendsAnyMessages(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        String name = PROTOCOLS[(input[0] & 0xFF) % PROTOCOLS.length];
        int firstLength = Math.min(((input[1] & 0xFF) << 8) | (input[2] & 0xFF), input.length - HEADER);
        byte[] first = Arrays.copyOfRange(input, HEADER, HEADER + firstLength);
        byte[] third = Arrays.copyOfRange(input, HEADER + firstLength, input.length);
        HandshakeState responder = NoiseTestSupport.sides(name, true, PROLOGUE).responder();
        try {
            if (!read(responder, first) || responder.isComplete()) {
                return;
            }
            try {
                responder.writeMessage(new byte[] {1, 2, 3});
            } catch (NoiseException refused) {
                // The first message's ephemeral key may be of low order: reading only hashes it, the responder's
                // ee then refuses it (HandshakeState's documented failure).
                return;
            }
            if (!responder.isComplete() && !read(responder, third)) {
                return;
            }
            responder.split().close();
        } finally {
            responder.destroy();
        }
    }

    /** Reads one message; false if it was refused, after checking that the handshake is then dead. */
    private static boolean read(HandshakeState responder, byte[] message) {
        try {
            responder.readMessage(message);
            return true;
        } catch (NoiseException | IllegalArgumentException refused) {
            try {
                responder.readMessage(message);
            } catch (IllegalStateException dead) {
                return false;
            }
            return fail("a refused handshake read another message");
        }
    }
}
