package dev.netproto.it;

import static dev.netproto.it.RawNoisePeer.HANDSHAKE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.NoisePublicKey;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import dev.netproto.security.noise.NoiseKeyPair;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules of docs/PROTOCOL.md section 8 that only a peer breaking them can show: a raw Noise peer
 * ({@link RawNoisePeer}) plays the client against the reference server, or the server against the reference client,
 * and does at each step what the test says.
 */
@Timeout(60)
class NoiseHandshakeRulesTest {
    private static final String XX = RawNoisePeer.xx("AESGCM");

    private final NoiseKeyPair serverKeys = NoiseKeyPair.generate();
    private final NoiseKeyPair clientKeys = NoiseKeyPair.generate();
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    private Server server;

    @BeforeEach
    void start() {
        server = startServer(serverOptions());
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofSeconds(2));
    }

    private NoiseOptions.Builder serverOptions() {
        return NoiseOptions.builder().identity(NoiseIdentity.fromPrivateKey(serverKeys.privateKey()))
            .authorizedKeys(AuthorizedKeys.of(NoisePublicKey.of(clientKeys.publicKey())));
    }

    private Server startServer(NoiseOptions.Builder options) {
        return Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1)
            .security(Security.noise(options.build()))
            .onConnectionError((connection, code, reason) -> serverErrors.add(code + " " + reason))
            .route("echo", (m, r) -> r.send(m.body()))
            .start();
    }

    private int port() {
        return server.endpoints().get(0).port();
    }

    /** The reference client, with this test's client key, pinning the raw server's key. */
    private ClientOptions referenceClient(String... ciphers) {
        return ClientOptions.builder().security(Security.noise(NoiseOptions.builder()
            .identity(NoiseIdentity.fromPrivateKey(clientKeys.privateKey()))
            .serverKey(NoisePublicKey.of(serverKeys.publicKey())).ciphers(ciphers).build())).build();
    }

    private static CompletableFuture<Client> connectTo(ServerSocket listener, ClientOptions options) {
        return Client.connectAsync("tcp://127.0.0.1:" + listener.getLocalPort(), options);
    }

    private static ServerSocket listener() throws Exception {
        return new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    }

    /**
     * The code the reference client's connect failed with. Disconnect the raw peer first: after its CLOSE the client
     * waits for the peer to close (up to 2 s) before it fails the connect.
     */
    private static ConnectionClosedException connectFailure(CompletableFuture<Client> connecting) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> connecting.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(ConnectionClosedException.class, e.getCause());
    }

    private static void assertClose(RawPeer.Frame close, ErrorCode code, String text) {
        assertTrue(close != null && close.type() == RawPeer.CLOSE, () -> "expected CLOSE " + code + ", got "
            + RawNoisePeer.describe(close));
        assertEquals(code.code(), close.code(), close.text());
        assertTrue(close.text().contains(text), close.text());
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    /** A valid payload for each type, so that only the type's timing is wrong. */
    private static RawPeer.Frame sample(int type) {
        return switch (type) {
            case RawPeer.MESSAGE, RawPeer.REQUEST -> new RawPeer.Frame(type, type == RawPeer.REQUEST ? 1 : 0,
                RawPeer.requestPayload("echo", new byte[3]));
            case RawPeer.RESPONSE -> new RawPeer.Frame(type, 1, new byte[3]);
            case RawPeer.ERROR -> new RawPeer.Frame(type, 1, new byte[] {0, 100, 'x'});
            case RawPeer.PING, RawPeer.PONG -> new RawPeer.Frame(type, 0, new byte[8]);
            case RawPeer.GOAWAY -> new RawPeer.Frame(type, 0, new byte[] {0, 0, 0, 0, 0, 9});
            case RawPeer.HELLO -> new RawPeer.Frame(type, 0, RawPeer.helloPayload(1 << 20, "noise"));
            default -> throw new IllegalArgumentException("type " + type);
        };
    }

    private static byte[] bytes(RawPeer.Frame f) {
        return RawPeer.frame(f.type(), f.requestId(), f.payload());
    }

    // ---------------------------------------------------------------- item 1: PING before the session is open

    @Test
    void shouldRefusePingInTheClearDuringTheNoiseHandshake() throws Exception {
        // Right after HELLO, and between the first and the third message.
        for (int step = 0; step < 2; step++) {
            try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
                assertEquals(RawPeer.HELLO, peer.helloAsClient(XX, clientKeys, null).type());
                if (step == 1) {
                    peer.writeMessage(RawNoisePeer.timestamp(now()));
                    peer.readMessage();
                }
                peer.writeClear(bytes(sample(RawPeer.PING)));
                assertClose(peer.readClear(), ErrorCode.UNEXPECTED_FRAME,
                    "PING frame not allowed during the noise handshake");
            }
        }
        Conditions.await("both refusals reported", Duration.ofSeconds(10), () -> serverErrors.size() == 2);
        // And the other way round: a server that pings the reference client mid-handshake.
        try (ServerSocket listener = listener()) {
            CompletableFuture<Client> connecting = connectTo(listener, referenceClient("AESGCM"));
            try (RawNoisePeer raw = RawNoisePeer.accept(listener)) {
                raw.helloAsServer(RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(XX)), XX, serverKeys);
                raw.readMessage();
                raw.writeClear(bytes(sample(RawPeer.PING)));
                assertClose(raw.readClear(), ErrorCode.UNEXPECTED_FRAME,
                    "PING frame not allowed during the noise handshake");
                raw.disconnect();
                assertEquals(ErrorCode.UNEXPECTED_FRAME, connectFailure(connecting).code());
            }
        }
    }

    // ---------------------------------------------------------------- item 3: records no sender produces

    @Test
    void shouldRefuseARecordThatNoSenderProduces() throws Exception {
        // A record carries at least one byte of plaintext and its 16-byte tag, and only the REKEY flag.
        int[][] headers = {{0, 0}, {0, 16}, {0x02, 40}, {0x80, 40}};
        String tooShort = " bytes: a sealed record carries at least one byte of plaintext and its 16 bytes of overhead";
        List<String> reasons = List.of("record body of 0" + tooShort, "record body of 16" + tooShort,
            "record with flags 0x2: no sender sets those bits", "record with flags 0x80: no sender sets those bits");
        for (int i = 0; i < headers.length; i++) {
            try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
                peer.openXx(XX, clientKeys);
                // Bytes that would fail authentication: refused with MALFORMED_FRAME shows the header was judged
                // first.
                int body = headers[i][1];
                peer.writeClear(RawPeer.concat(RawNoisePeer.recordHeader(headers[i][0], body), new byte[body]));
                assertClose(peer.readSealedClose(), ErrorCode.MALFORMED_FRAME, reasons.get(i));
            }
        }
        assertEquals(0, server.metrics().errors(ErrorCode.AUTHENTICATION_FAILED));
    }

    // ---------------------------------------------------------------- item 4: the timestamp is big-endian

    @Test
    void shouldReadTheHandshakeTimestampAsBigEndian() throws Exception {
        long now = now();
        try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
            peer.helloAsClient(XX, clientKeys, null);
            peer.writeMessage(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(now).array());
            assertEquals(0, peer.readMessage().length, "accepted: the server answers with the second message");
        }
        try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
            peer.helloAsClient(XX, clientKeys, null);
            peer.writeMessage(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(now).array());
            // The server read the 8 bytes big-endian: the time it names is the byte-reversed one.
            assertClose(peer.readClear(), ErrorCode.HANDSHAKE_FAILED, "timestamp "
                + Instant.ofEpochMilli(Long.reverseBytes(now)));
        }
    }

    // ---------------------------------------------------------------- item 5: frames in the clear mid-handshake

    @Test
    void shouldAcceptOnlyHandshakeAndCloseDuringTheNoiseHandshake() throws Exception {
        int[] types = {RawPeer.MESSAGE, RawPeer.REQUEST, RawPeer.RESPONSE, RawPeer.ERROR, RawPeer.PONG, RawPeer.GOAWAY,
            RawPeer.HELLO};
        String[] names = {"MESSAGE", "REQUEST", "RESPONSE", "ERROR", "PONG", "GOAWAY", "HELLO"};
        for (int i = 0; i < types.length; i++) {
            try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
                peer.helloAsClient(XX, clientKeys, null);
                peer.writeMessage(RawNoisePeer.timestamp(now()));
                peer.readMessage();
                peer.writeClear(bytes(sample(types[i])));
                assertClose(peer.readClear(), ErrorCode.UNEXPECTED_FRAME,
                    names[i] + " frame not allowed during the noise handshake");
            }
        }
        // CLOSE in the clear ends the handshake: the server closes too, without an answer and without an error.
        try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
            peer.helloAsClient(XX, clientKeys, null);
            peer.writeMessage(RawNoisePeer.timestamp(now()));
            peer.readMessage();
            peer.writeClear(RawPeer.frame(RawPeer.CLOSE, 0, new byte[] {0, 0, 'b', 'y', 'e'}));
            assertNull(peer.readClear(), "end of stream, no frame");
        }
        Conditions.await("every refusal counted", Duration.ofSeconds(10),
            () -> server.metrics().errors(ErrorCode.UNEXPECTED_FRAME) == types.length);
        // The reference client refuses a request in the clear from a server mid-handshake the same way.
        try (ServerSocket listener = listener()) {
            CompletableFuture<Client> connecting = connectTo(listener, referenceClient("AESGCM"));
            try (RawNoisePeer raw = RawNoisePeer.accept(listener)) {
                raw.helloAsServer(RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(XX)), XX, serverKeys);
                raw.readMessage();
                raw.writeClear(bytes(sample(RawPeer.REQUEST)));
                assertClose(raw.readClear(), ErrorCode.UNEXPECTED_FRAME,
                    "REQUEST frame not allowed during the noise handshake");
                raw.disconnect();
                assertEquals(ErrorCode.UNEXPECTED_FRAME, connectFailure(connecting).code());
            }
        }
    }

    // ---------------------------------------------------------------- item 6: nothing before the acceptance

    @Test
    void shouldOpenTheClientOnlyOnceItHasOpenedTheServersAcceptance() throws Exception {
        try (ServerSocket listener = listener()) {
            CompletableFuture<Client> connecting = connectTo(listener, referenceClient("AESGCM"));
            try (RawNoisePeer raw = RawNoisePeer.accept(listener)) {
                raw.helloAsServer(RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(XX)), XX, serverKeys);
                assertEquals(8, raw.readMessage().length, "the timestamp");
                raw.writeMessage(new byte[0]);
                assertEquals(0, raw.readMessage().length);
                raw.split();
                // The client wrote the third message and split in the same step; opening there would have completed
                // its connect before the message reached this side.
                assertFalse(connecting.isDone(), "connected before the server accepted the client's key");
                raw.writeSealed(HANDSHAKE, 0, 0, new byte[0]);
                try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                    CompletableFuture<Message> answer = client.request("echo", "first".getBytes());
                    // Opened with the first nonce: the request is the first frame the client sealed.
                    RawPeer.Frame request = raw.readSealed();
                    assertEquals(RawPeer.REQUEST, request.type(), RawNoisePeer.describe(request));
                    raw.writeSealed(RawPeer.RESPONSE, 0, request.requestId(), "answered".getBytes());
                    assertEquals("answered", answer.get(10, TimeUnit.SECONDS).bodyText());
                }
            }
        }
    }

    // ---------------------------------------------------------------- item 7: payloads that must be empty

    @Test
    void shouldRefuseAPayloadInTheThirdNoiseMessage() throws Exception {
        try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
            peer.helloAsClient(XX, clientKeys, null);
            peer.writeMessage(RawNoisePeer.timestamp(now()));
            peer.readMessage();
            peer.writeMessage("surprise".getBytes(StandardCharsets.US_ASCII));
            peer.split();
            // Sealed: the server splits before it refuses, as for a refused key, so that the client can read it.
            assertClose(peer.readSealed(), ErrorCode.HANDSHAKE_FAILED,
                "Noise message 3 carries 8 bytes of payload; every message but the first must carry none");
        }
        assertEquals(0, server.metrics().read(Metric.HANDSHAKES_COMPLETED));
    }

    @Test
    void shouldRefuseAPayloadInTheSecondNoiseMessageOrInTheAcceptance() throws Exception {
        try (ServerSocket listener = listener()) {
            CompletableFuture<Client> connecting = connectTo(listener, referenceClient("AESGCM"));
            try (RawNoisePeer raw = RawNoisePeer.accept(listener)) {
                raw.helloAsServer(RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(XX)), XX, serverKeys);
                raw.readMessage();
                raw.writeMessage(new byte[] {1, 2, 3});
                assertClose(raw.readClear(), ErrorCode.HANDSHAKE_FAILED,
                    "Noise message 2 carries 3 bytes of payload; every message but the first must carry none");
                raw.disconnect();
                assertEquals(ErrorCode.HANDSHAKE_FAILED, connectFailure(connecting).code());
            }
        }
        try (ServerSocket listener = listener()) {
            CompletableFuture<Client> connecting = connectTo(listener, referenceClient("AESGCM"));
            try (RawNoisePeer raw = RawNoisePeer.accept(listener)) {
                raw.helloAsServer(RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(XX)), XX, serverKeys);
                raw.readMessage();
                raw.writeMessage(new byte[0]);
                raw.readMessage();
                raw.split();
                raw.writeSealed(HANDSHAKE, 0, 0, new byte[] {1, 2, 3, 4, 5});
                assertClose(raw.readSealed(), ErrorCode.HANDSHAKE_FAILED,
                    "the server's acceptance carries 5 bytes; it must be empty");
                raw.disconnect();
                assertEquals(ErrorCode.HANDSHAKE_FAILED, connectFailure(connecting).code());
            }
        }
    }

    // ---------------------------------------------------------------- item 8: how rekey_after_messages counts

    @Test
    void shouldRekeyAfterExactlyTheConfiguredNumberOfRecords() throws Exception {
        server.close(Duration.ofSeconds(2));
        server = startServer(serverOptions().rekeyAfterMessages(3));
        try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
            // The server's record 1 carries its acceptance; then it answers PING and REQUEST alternately, one record
            // per answer, since each answer is all it has to write.
            peer.openXx(XX, clientKeys);
            List<Integer> rekeyed = new ArrayList<>();
            if (peer.lastFrameRekeyed()) {
                rekeyed.add(1);
            }
            for (int record = 2; record <= 13; record++) {
                // This side rekeys its own direction after every second record it sends; the server must follow.
                boolean rekey = record % 2 == 0;
                if (record % 2 == 0) {
                    peer.writeSealed(RawPeer.PING, 0, 0, ByteBuffer.allocate(8).putLong(record).array(), rekey);
                } else {
                    peer.writeSealed(RawPeer.REQUEST, 0, record, RawPeer.requestPayload("echo", new byte[record]),
                        rekey);
                }
                RawPeer.Frame answer = peer.readSealed();
                assertEquals(record % 2 == 0 ? RawPeer.PONG : RawPeer.RESPONSE, answer.type(),
                    RawNoisePeer.describe(answer));
                if (peer.lastFrameRekeyed()) {
                    rekeyed.add(record);
                }
            }
            assertEquals(List.of(3, 6, 9, 12), rekeyed, "REKEY on every third record, the acceptance counted");
            Conditions.await("four rekeys counted", Duration.ofSeconds(10),
                () -> server.metrics().read(Metric.NOISE_REKEYS) == 4);
        }
        assertTrue(serverErrors.isEmpty(), serverErrors::toString);
    }

    // ---------------------------------------------------------------- item 9: the client checks the answer

    @Test
    void shouldRefuseANoiseAnswerThatIsNotExactlyOneOfferedName() throws Exception {
        String chacha = RawNoisePeer.xx("ChaChaPoly");
        byte[][] answers = {
            RawNoisePeer.helloPayload(new byte[0]),
            RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols()),
            RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(XX, chacha)),
            RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(RawNoisePeer.nk("AESGCM"))),
        };
        String[] shown = {"[]", "[]", "[" + XX + ", " + chacha + "]", "[" + RawNoisePeer.nk("AESGCM") + "]"};
        try (ServerSocket listener = listener()) {
            for (int i = 0; i < answers.length; i++) {
                CompletableFuture<Client> connecting = connectTo(listener, referenceClient("AESGCM", "ChaChaPoly"));
                try (RawNoisePeer raw = RawNoisePeer.accept(listener)) {
                    raw.helloAsServer(answers[i], null, null);
                    assertClose(raw.readClear(), ErrorCode.NEGOTIATION_FAILED, "server answered Noise protocols "
                        + shown[i] + " instead of exactly one of the offered [" + XX + ", " + chacha + "]");
                    raw.disconnect();
                    assertEquals(ErrorCode.NEGOTIATION_FAILED, connectFailure(connecting).code());
                }
            }
        }
    }
}
