package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(300)
class HandshakeStateTest {
    private static final byte[] PROLOGUE = "netproto HELLO".getBytes(StandardCharsets.US_ASCII);

    static Stream<String> protocols() {
        return Stream.of("XX", "NK", "IK").flatMap(p -> Stream.of("ChaChaPoly", "AESGCM")
            .map(c -> "Noise_" + p + "_25519_" + c + "_SHA256"));
    }

    private static byte[] payload(int i) {
        return ("payload " + i).getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void shouldAgreeOnKeysAndHashWhenRunWithFreshEphemerals(String name) {
        NoiseTestSupport.Sides first = NoiseTestSupport.sides(name, false, PROLOGUE);
        NoiseTestSupport.complete(first.initiator(), first.responder());
        byte[] hash = first.initiator().handshakeHash();
        assertArrayEquals(hash, first.responder().handshakeHash());
        assertArrayEquals(first.responderStatic().publicKey(), first.initiator().remoteStaticKey());
        if (name.contains("_NK_")) {
            assertNull(first.responder().remoteStaticKey(), "NK: the initiator is anonymous");
        } else {
            assertArrayEquals(first.initiatorStatic().publicKey(), first.responder().remoteStaticKey());
        }
        try (CipherStatePair i = first.initiator().split(); CipherStatePair r = first.responder().split()) {
            for (int n = 0; n < 5; n++) {
                byte[] ad = {(byte) n};
                assertArrayEquals(payload(n), r.receiver().decryptWithAd(ad, i.sender().encryptWithAd(ad, payload(n))));
                assertArrayEquals(payload(n), i.receiver().decryptWithAd(ad, r.sender().encryptWithAd(ad, payload(n))));
            }
        }
        NoiseTestSupport.Sides second = NoiseTestSupport.sides(name, false, PROLOGUE);
        NoiseTestSupport.complete(second.initiator(), second.responder());
        assertFalse(Arrays.equals(hash, second.initiator().handshakeHash()), "fresh ephemerals, new session");
    }

    /**
     * Flips bits of every handshake message in turn, one fresh handshake per flip: every bit of every message for
     * netproto's default protocol (XX with ChaChaPoly), and one bit per byte, rotating through the bit positions, for
     * the others (each flip costs a handshake, about ten X25519 operations). A message whose payload travels before
     * any key exists (XX's first message) is accepted by its reader, but the next message the other side reads
     * fails: every encryption uses the handshake hash, which covers all bytes sent so far, as associated data.
     */
    @ParameterizedTest
    @MethodSource("protocols")
    void shouldFailWhenAnyBitOfAHandshakeMessageIsFlipped(String name) {
        NoiseTestSupport.Sides clean = NoiseTestSupport.sides(name, true, PROLOGUE);
        byte[][] messages = NoiseTestSupport.complete(clean.initiator(), clean.responder());
        boolean everyBit = name.equals("Noise_XX_25519_ChaChaPoly_SHA256");
        int flips = 0;
        for (int tampered = 0; tampered < messages.length; tampered++) {
            int flipsInMessage = everyBit ? messages[tampered].length * 8 : messages[tampered].length;
            for (int k = 0; k < flipsInMessage; k++) {
                int bit = everyBit ? k : k * 8 + k % 8;
                NoiseTestSupport.Sides s = NoiseTestSupport.sides(name, true, PROLOGUE);
                int failedAt = -1;
                for (int i = 0; i < messages.length && failedAt < 0; i++) {
                    HandshakeState writer = i % 2 == 0 ? s.initiator() : s.responder();
                    HandshakeState reader = i % 2 == 0 ? s.responder() : s.initiator();
                    byte[] message = writer.writeMessage(payload(i));
                    if (i == tampered) {
                        assertArrayEquals(messages[i], message, "deterministic with fixed ephemerals");
                        message[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    try {
                        reader.readMessage(message);
                    } catch (NoiseException e) {
                        assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, e.reason(),
                            name + " message " + tampered + " bit " + bit);
                        failedAt = i;
                        assertThrows(IllegalStateException.class, () -> reader.readMessage(new byte[0]),
                            "a failed handshake is dead");
                    }
                }
                assertTrue(failedAt >= tampered, name + " message " + tampered + " bit " + bit + " went unnoticed");
                assertTrue(failedAt <= tampered + 1, name + " message " + tampered + " bit " + bit + " noticed late");
                flips++;
            }
        }
        assertTrue(flips > (everyBit ? 1600 : 100), "bits flipped: " + flips);
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void shouldFailWhenTheProloguesDiffer(String name) {
        NoiseTestSupport.Sides a = NoiseTestSupport.sides(name, false, PROLOGUE);
        NoiseTestSupport.Sides b = NoiseTestSupport.sides(name, false, "other".getBytes(StandardCharsets.US_ASCII));
        HandshakeState initiator = a.initiator();
        HandshakeState responder = b.responder();
        NoiseException e = assertThrows(NoiseException.class, () -> {
            responder.readMessage(initiator.writeMessage(payload(0)));
            initiator.readMessage(responder.writeMessage(payload(1)));
        });
        assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, e.reason());
    }

    @Test
    void shouldFailWhenTheInitiatorPinsAnotherServerKey() {
        for (String name : new String[] {"Noise_NK_25519_ChaChaPoly_SHA256", "Noise_IK_25519_AESGCM_SHA256"}) {
            NoiseProtocol protocol = NoiseProtocol.parse(name);
            NoiseKeyPair impostor = NoiseKeyPair.generate();
            HandshakeState initiator = HandshakeState.initiator(protocol, PROLOGUE,
                name.contains("_IK_") ? NoiseTestSupport.INITIATOR_STATIC_PAIR : null, impostor.publicKey());
            HandshakeState responder = HandshakeState.responder(protocol, PROLOGUE,
                NoiseTestSupport.RESPONDER_STATIC_PAIR, null);
            byte[] message = initiator.writeMessage(payload(0));
            NoiseException e = assertThrows(NoiseException.class, () -> responder.readMessage(message), name);
            assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, e.reason());
        }
    }

    @Test
    void shouldRefuseALowOrderEphemeralKey() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_NK_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        byte[] message = s.initiator().writeMessage(payload(0));
        Arrays.fill(message, 0, 32, (byte) 0);
        NoiseException e = assertThrows(NoiseException.class, () -> s.responder().readMessage(message));
        assertEquals(NoiseException.Reason.INVALID_PUBLIC_KEY, e.reason());
        assertThrows(IllegalStateException.class, () -> s.responder().writeMessage(payload(1)));
    }

    @Test
    void shouldRejectMalformedMessages() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_XX_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        s.responder().readMessage(s.initiator().writeMessage(payload(0)));
        byte[] second = s.responder().writeMessage(payload(1));
        NoiseException e = assertThrows(NoiseException.class,
            () -> s.initiator().readMessage(Arrays.copyOf(second, 60)));
        assertEquals(NoiseException.Reason.MALFORMED_MESSAGE, e.reason());

        NoiseTestSupport.Sides t = NoiseTestSupport.sides("Noise_XX_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        e = assertThrows(NoiseException.class, () -> t.responder().readMessage(new byte[31]));
        assertEquals(NoiseException.Reason.MALFORMED_MESSAGE, e.reason());

        NoiseTestSupport.Sides u = NoiseTestSupport.sides("Noise_XX_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        e = assertThrows(NoiseException.class,
            () -> u.responder().readMessage(new byte[HandshakeState.MAX_MESSAGE_LENGTH + 1]));
        assertEquals(NoiseException.Reason.MALFORMED_MESSAGE, e.reason());
    }

    @Test
    void shouldCarryTheLargestPayloadThatFitsAndRefuseOneByteMore() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_XX_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        byte[] largest = new byte[HandshakeState.MAX_MESSAGE_LENGTH - 32];
        byte[] message = s.initiator().writeMessage(largest);
        assertEquals(HandshakeState.MAX_MESSAGE_LENGTH, message.length);
        assertArrayEquals(largest, s.responder().readMessage(message));

        NoiseTestSupport.Sides t = NoiseTestSupport.sides("Noise_XX_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        NoiseException e = assertThrows(NoiseException.class, () -> t.initiator().writeMessage(new byte[largest.length
            + 1]));
        assertEquals(NoiseException.Reason.MALFORMED_MESSAGE, e.reason());
        assertThrows(IllegalStateException.class, () -> t.initiator().writeMessage(new byte[0]));
    }

    @Test
    void shouldLearnTheRemoteStaticKeyWhenItsMessageArrives() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_XX_25519_AESGCM_SHA256", false, PROLOGUE);
        assertNull(s.initiator().remoteStaticKey());
        s.responder().readMessage(s.initiator().writeMessage(payload(0)));
        s.initiator().readMessage(s.responder().writeMessage(payload(1)));
        assertArrayEquals(NoiseTestSupport.RESPONDER_STATIC_PAIR.publicKey(), s.initiator().remoteStaticKey());
        assertNull(s.responder().remoteStaticKey());
        s.responder().readMessage(s.initiator().writeMessage(payload(2)));
        assertArrayEquals(NoiseTestSupport.INITIATOR_STATIC_PAIR.publicKey(), s.responder().remoteStaticKey());

        NoiseTestSupport.Sides k = NoiseTestSupport.sides("Noise_NK_25519_AESGCM_SHA256", false, PROLOGUE);
        assertArrayEquals(NoiseTestSupport.RESPONDER_STATIC_PAIR.publicKey(), k.initiator().remoteStaticKey(),
            "a pre-message key is known from the start");
    }

    /**
     * A payload that no key protects can be looked at before the message is read (so that a responder can check
     * XX's first-message timestamp before any DH); one that is encrypted cannot, and looking reads nothing.
     */
    @Test
    void shouldShowAPayloadBeforeReadingOnlyWhenItTravelsInTheClear() {
        NoiseTestSupport.Sides xx = NoiseTestSupport.sides("Noise_XX_25519_AESGCM_SHA256", false, PROLOGUE);
        byte[] first = xx.initiator().writeMessage(payload(0));
        assertNull(xx.responder().clearPayload(Arrays.copyOf(first, 31)), "too short for the ephemeral key");
        assertArrayEquals(payload(0), xx.responder().clearPayload(first));
        assertArrayEquals(payload(0), xx.responder().clearPayload(first), "looking did not read it");
        assertArrayEquals(payload(0), xx.responder().readMessage(first));
        assertNull(xx.responder().clearPayload(first), "the responder writes next");
        byte[] second = xx.responder().writeMessage(payload(1));
        assertNull(xx.initiator().clearPayload(second), "encrypted after ee");
        xx.initiator().readMessage(second);
        byte[] third = xx.initiator().writeMessage(payload(2));
        assertNull(xx.responder().clearPayload(third));
        assertArrayEquals(payload(2), xx.responder().readMessage(third));

        NoiseTestSupport.Sides nk = NoiseTestSupport.sides("Noise_NK_25519_AESGCM_SHA256", false, PROLOGUE);
        byte[] nkFirst = nk.initiator().writeMessage(payload(0));
        assertNull(nk.responder().clearPayload(nkFirst), "NK: encrypted under es, readable only after that DH");
        assertArrayEquals(payload(0), nk.responder().readMessage(nkFirst));
    }

    @Test
    void shouldRejectCallsOutOfTurn() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_NK_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        assertTrue(s.initiator().isWriteTurn());
        assertFalse(s.responder().isWriteTurn());
        assertThrows(IllegalStateException.class, () -> s.responder().writeMessage(payload(0)));
        assertThrows(IllegalStateException.class, () -> s.initiator().readMessage(new byte[48]));
        assertThrows(IllegalStateException.class, () -> s.initiator().split());
        NoiseTestSupport.complete(s.initiator(), s.responder());
        assertFalse(s.initiator().isWriteTurn());
        assertThrows(IllegalStateException.class, () -> s.initiator().writeMessage(payload(9)));
        assertNotNull(s.initiator().split());
        assertThrows(IllegalStateException.class, () -> s.initiator().split(), "split is handed over once");
    }

    @Test
    void shouldRejectMissingOrSuperfluousKeys() {
        NoiseProtocol xx = NoiseProtocol.parse("Noise_XX_25519_ChaChaPoly_SHA256");
        NoiseProtocol nn = NoiseProtocol.parse("Noise_NN_25519_ChaChaPoly_SHA256");
        NoiseProtocol nk = NoiseProtocol.parse("Noise_NK_25519_ChaChaPoly_SHA256");
        NoiseKeyPair key = NoiseTestSupport.RESPONDER_STATIC_PAIR;
        assertThrows(IllegalArgumentException.class, () -> HandshakeState.initiator(xx, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> HandshakeState.responder(nn, null, key, null));
        assertThrows(IllegalArgumentException.class, () -> HandshakeState.initiator(nk, null, null, null));
        assertThrows(IllegalArgumentException.class,
            () -> HandshakeState.initiator(xx, null, key, key.publicKey()), "XX learns the remote key");
        assertThrows(IllegalArgumentException.class, () -> HandshakeState.initiator(nk, null, null, new byte[31]));
    }

    @Test
    void shouldGiveOneWayPatternsOnlyTheInitiatorToResponderDirection() {
        NoiseTestSupport.Sides s = NoiseTestSupport.sides("Noise_N_25519_ChaChaPoly_SHA256", false, PROLOGUE);
        NoiseTestSupport.complete(s.initiator(), s.responder());
        CipherStatePair i = s.initiator().split();
        CipherStatePair r = s.responder().split();
        assertThrows(IllegalStateException.class, r::sender);
        assertThrows(IllegalStateException.class, i::receiver);
        assertArrayEquals(payload(7), r.receiver().decryptWithAd(null, i.sender().encryptWithAd(null, payload(7))));
    }
}
