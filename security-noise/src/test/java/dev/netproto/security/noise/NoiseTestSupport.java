package dev.netproto.security.noise;

import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/** Shared helpers of the Noise tests. */
final class NoiseTestSupport {
    /** Fixed keys, so that failures reproduce; the X25519 keys of RFC 7748 section 6.1 and of the vectors. */
    static final byte[] INITIATOR_STATIC = hex("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
    static final byte[] RESPONDER_STATIC = hex("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
    static final byte[] INITIATOR_EPHEMERAL = hex("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
    static final byte[] RESPONDER_EPHEMERAL = hex("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");

    /** Shared static key pairs: immutable, and never destroyed by a handshake. */
    static final NoiseKeyPair INITIATOR_STATIC_PAIR = NoiseKeyPair.fromPrivateKey(INITIATOR_STATIC);
    static final NoiseKeyPair RESPONDER_STATIC_PAIR = NoiseKeyPair.fromPrivateKey(RESPONDER_STATIC);

    private NoiseTestSupport() {
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** The two sides of a handshake, built for a protocol with the keys its pattern needs. */
    record Sides(HandshakeState initiator, HandshakeState responder, NoiseKeyPair initiatorStatic,
        NoiseKeyPair responderStatic) {
    }

    /**
     * Builds both sides of a handshake: static keys as the pattern needs, fixed or fresh ephemerals.
     *
     * @param name             the protocol name
     * @param fixedEphemerals  whether to inject the fixed ephemeral keys (deterministic messages)
     * @param prologue         both sides' prologue
     */
    static Sides sides(String name, boolean fixedEphemerals, byte[] prologue) {
        NoiseProtocol protocol = NoiseProtocol.parse(name);
        HandshakePattern pattern = protocol.pattern;
        NoiseKeyPair is = INITIATOR_STATIC_PAIR;
        NoiseKeyPair rs = RESPONDER_STATIC_PAIR;
        boolean initiatorHasStatic = pattern.sends(true, HandshakePattern.Token.S);
        boolean responderHasStatic = pattern.sends(false, HandshakePattern.Token.S);
        HandshakeState initiator = new HandshakeState(protocol, true, prologue, initiatorHasStatic ? is : null,
            pattern.responderPreMessage.length > 0 ? rs.publicKey() : null,
            fixedEphemerals ? new NoRandom() : Randoms.SECURE);
        HandshakeState responder = new HandshakeState(protocol, false, prologue, responderHasStatic ? rs : null,
            pattern.initiatorPreMessage.length > 0 ? is.publicKey() : null,
            fixedEphemerals ? new NoRandom() : Randoms.SECURE);
        if (fixedEphemerals) {
            initiator.localEphemeral(NoiseKeyPair.fromPrivateKey(INITIATOR_EPHEMERAL));
            if (pattern.sends(false, HandshakePattern.Token.E)) {
                responder.localEphemeral(NoiseKeyPair.fromPrivateKey(RESPONDER_EPHEMERAL));
            }
        }
        return new Sides(initiator, responder, is, rs);
    }

    /** Runs a handshake to completion with short payloads, returning the messages sent. */
    static byte[][] complete(HandshakeState initiator, HandshakeState responder) {
        byte[][] messages = new byte[initiator.protocol().pattern.messages.length][];
        for (int i = 0; i < messages.length; i++) {
            HandshakeState writer = i % 2 == 0 ? initiator : responder;
            HandshakeState reader = i % 2 == 0 ? responder : initiator;
            byte[] payload = ("payload " + i).getBytes(StandardCharsets.US_ASCII);
            messages[i] = writer.writeMessage(payload);
            byte[] read = reader.readMessage(messages[i]);
            if (!Arrays.equals(payload, read)) {
                throw new AssertionError("payload " + i + " differs");
            }
        }
        return messages;
    }

    /** A random source that must not be used: proves the injected ephemeral keys are the ones in the messages. */
    static final class NoRandom extends SecureRandom {
        @Serial
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(byte[] bytes) {
            throw new AssertionError("a fixed-ephemeral handshake asked for random bytes");
        }
    }
}
