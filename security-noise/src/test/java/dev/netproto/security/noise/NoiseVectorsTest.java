package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the cacophony test vectors kept in this module's test resources ({@code vectors/} beside this class, with a
 * README on their source): for every vector of a supported protocol
 * without PSK, both sides run with the vector's keys, prologue and ephemerals, and every handshake and transport
 * message must match byte for byte, as must the final handshake hash.
 *
 * <p>Vector format (cacophony): {@code messages} alternate initiator, responder, initiator, ... through the handshake
 * and on into the transport phase, except for one-way patterns (N, K, X), where the initiator sends every message.
 * {@code handshake_hash} is {@code h} after the last handshake message.
 */
@Timeout(120)
class NoiseVectorsTest {
    private static final List<String> FILES =
        List.of("cacophony-25519-chachapoly-sha256.json", "cacophony-25519-aesgcm-sha256.json");
    /** The protocols netproto promises (DESIGN.md): each must have vectors in both files, and all must pass. */
    private static final List<String> REQUIRED_PATTERNS = List.of("XX", "NK", "IK");
    private static final List<String> CIPHERS = List.of("ChaChaPoly", "AESGCM");
    /**
     * Where the vector files are, relative to this class. Missing vectors are a failure, not a skip: they are the
     * only proof that this implementation interoperates.
     */
    private static final String VECTORS = "vectors/";

    @TestFactory
    List<DynamicNode> shouldReproduceEveryMessageWhenRunningTheCacophonyVectors() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, AtomicInteger> selected = new TreeMap<>();
        Map<String, AtomicInteger> passed = new TreeMap<>();
        List<String> skipped = new ArrayList<>();
        List<DynamicNode> tests = new ArrayList<>();
        for (String file : FILES) {
            String path = VECTORS + file;
            JsonNode vectors;
            try (InputStream in = NoiseVectorsTest.class.getResourceAsStream(path)) {
                if (in == null) {
                    return fail("Noise test vector file missing from the test resources: " + path);
                }
                vectors = mapper.readTree(in).get("vectors");
            }
            assertTrue(vectors != null && vectors.isArray() && !vectors.isEmpty(), "no 'vectors' array in " + path);
            for (int i = 0; i < vectors.size(); i++) {
                JsonNode vector = vectors.get(i);
                String name = vector.get("protocol_name").asText();
                NoiseProtocol protocol;
                try {
                    protocol = NoiseProtocol.parse(name);
                } catch (NoiseException e) {
                    skipped.add(name);
                    continue;
                }
                if (vector.has("init_psks") || vector.has("resp_psks")) {
                    skipped.add(name);
                    continue;
                }
                String key = protocol.patternName() + " " + protocol.cipherName();
                selected.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                AtomicInteger count = passed.computeIfAbsent(key, k -> new AtomicInteger());
                String label = name + " (" + file + " #" + i + ")";
                tests.add(DynamicTest.dynamicTest(label, () -> {
                    run(label, protocol, vector);
                    count.incrementAndGet();
                }));
            }
        }
        // Runs last (dynamic tests run in list order): every selected vector passed, and the required ones exist.
        tests.add(DynamicTest.dynamicTest("vector counts per pattern and cipher", () -> {
            StringBuilder report = new StringBuilder("Noise vectors passed (pattern cipher = passed/selected):");
            selected.forEach((k, n) -> report.append("\n  ").append(k).append(" = ").append(passed.get(k).get())
                .append('/').append(n.get()));
            report.append("\n  skipped (PSK or unsupported): ").append(skipped.size());
            System.out.println(report);
            for (String pattern : REQUIRED_PATTERNS) {
                for (String cipher : CIPHERS) {
                    String k = pattern + " " + cipher;
                    assertTrue(selected.containsKey(k) && selected.get(k).get() > 0,
                        "no vectors for required " + k + " in " + VECTORS);
                }
            }
            selected.forEach((k, n) -> assertEquals(n.get(), passed.get(k).get(), "vectors of " + k + " that passed"));
        }));
        return tests;
    }

    private static void run(String label, NoiseProtocol protocol, JsonNode vector) {
        HandshakeState initiator = new HandshakeState(protocol, true, bytes(vector, "init_prologue"),
            keyPair(vector, "init_static"), bytes(vector, "init_remote_static"), new NoiseTestSupport.NoRandom());
        HandshakeState responder = new HandshakeState(protocol, false, bytes(vector, "resp_prologue"),
            keyPair(vector, "resp_static"), bytes(vector, "resp_remote_static"), new NoiseTestSupport.NoRandom());
        NoiseKeyPair initiatorEphemeral = keyPair(vector, "init_ephemeral");
        if (initiatorEphemeral != null) {
            initiator.localEphemeral(initiatorEphemeral);
        }
        NoiseKeyPair responderEphemeral = keyPair(vector, "resp_ephemeral");
        if (responderEphemeral != null) {
            responder.localEphemeral(responderEphemeral);
        }
        byte[] expectedHash = bytes(vector, "handshake_hash");
        JsonNode messages = vector.get("messages");
        int handshakeMessages = protocol.pattern.messages.length;
        assertTrue(messages.size() >= handshakeMessages, label + ": fewer messages than the handshake has");
        CipherStatePair initiatorCiphers = null;
        CipherStatePair responderCiphers = null;
        for (int i = 0; i < messages.size(); i++) {
            byte[] payload = bytes(messages.get(i), "payload");
            byte[] ciphertext = bytes(messages.get(i), "ciphertext");
            boolean fromInitiator = protocol.oneWay() || i % 2 == 0;
            String what = label + ", message " + i
                + (fromInitiator ? " (initiator to responder)" : " (responder to initiator)");
            if (i < handshakeMessages) {
                HandshakeState writer = fromInitiator ? initiator : responder;
                HandshakeState reader = fromInitiator ? responder : initiator;
                assertTrue(writer.isWriteTurn(), what + ": writer's turn");
                assertEquals(NoiseTestSupport.hex(ciphertext), NoiseTestSupport.hex(writer.writeMessage(payload)),
                    what + ": handshake ciphertext");
                assertEquals(NoiseTestSupport.hex(payload), NoiseTestSupport.hex(reader.readMessage(ciphertext)),
                    what + ": handshake payload");
                if (i == handshakeMessages - 1) {
                    assertTrue(initiator.isComplete() && responder.isComplete(), what + ": handshake complete");
                    assertEquals(NoiseTestSupport.hex(expectedHash), NoiseTestSupport.hex(initiator.handshakeHash()),
                        label + ": initiator's handshake hash");
                    assertEquals(NoiseTestSupport.hex(expectedHash), NoiseTestSupport.hex(responder.handshakeHash()),
                        label + ": responder's handshake hash");
                    initiatorCiphers = initiator.split();
                    responderCiphers = responder.split();
                }
            } else {
                CipherState sender = fromInitiator ? initiatorCiphers.sender() : responderCiphers.sender();
                CipherState receiver = fromInitiator ? responderCiphers.receiver() : initiatorCiphers.receiver();
                if (i % 2 == 0) {
                    assertEquals(NoiseTestSupport.hex(ciphertext), NoiseTestSupport.hex(sender.encryptWithAd(null,
                        payload)), what + ": transport ciphertext (byte[])");
                    assertArrayEquals(payload, receiver.decryptWithAd(null, ciphertext), what + ": transport payload");
                } else {
                    // The ByteBuffer path, sealed and opened in place in a direct buffer at a non-zero offset.
                    ByteBuffer buffer = ByteBuffer.allocateDirect(ciphertext.length + 11);
                    buffer.put(7, payload);
                    int sealed = sender.encryptWithAd(null, 0, 0, buffer, 7, payload.length, buffer, 7);
                    byte[] out = new byte[sealed];
                    buffer.get(7, out);
                    assertEquals(NoiseTestSupport.hex(ciphertext), NoiseTestSupport.hex(out),
                        what + ": transport ciphertext (ByteBuffer)");
                    int opened = receiver.decryptWithAd(null, 0, 0, buffer, 7, sealed, buffer, 7);
                    byte[] plain = new byte[opened];
                    buffer.get(7, plain);
                    assertArrayEquals(payload, plain, what + ": transport payload (ByteBuffer)");
                }
            }
        }
        initiator.destroy();
        responder.destroy();
        initiatorCiphers.close();
        responderCiphers.close();
    }

    private static byte[] bytes(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null ? null : NoiseTestSupport.hex(value.asText());
    }

    private static NoiseKeyPair keyPair(JsonNode node, String field) {
        byte[] privateKey = bytes(node, field);
        return privateKey == null ? null : NoiseKeyPair.fromPrivateKey(privateKey);
    }
}
