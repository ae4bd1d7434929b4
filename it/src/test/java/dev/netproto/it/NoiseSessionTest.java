package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Noise sessions end to end on loopback: both patterns and both ciphers, large frames across chunks, coordinated
 * rekeying, refused keys on both sides, replayed handshakes, and a man in the middle who changes, drops, reorders
 * or replays sealed frames (docs/SECURITY.md cites these tests).
 */
@Timeout(60)
class NoiseSessionTest {
    private final NoiseIdentity serverKey = NoiseIdentity.generate();
    private final NoiseIdentity clientKey = NoiseIdentity.generate();
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    private final AtomicInteger echoed = new AtomicInteger();
    private Server server;

    @BeforeEach
    void start() {
        server = startServer(NoiseOptions.builder().identity(serverKey)
            .authorizedKeys(AuthorizedKeys.of(clientKey.publicKey())).rekeyAfterMessages(50));
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofSeconds(2));
    }

    private Server startServer(NoiseOptions.Builder options) {
        return Server.builder().listen("tcp://127.0.0.1:0").eventLoops(2)
            .security(Security.noise(options.build()))
            .onConnectionError((connection, code, reason) -> serverErrors.add(code + " " + reason))
            .route("echo", (m, r) -> {
                echoed.incrementAndGet();
                r.send(m.body());
            })
            .start();
    }

    private NoiseOptions.Builder client() {
        return NoiseOptions.builder().identity(clientKey).serverKey(serverKey.publicKey());
    }

    private Client connect(int port, NoiseOptions.Builder options) throws Exception {
        return Client.connectAsync("tcp://127.0.0.1:" + port, ClientOptions.builder()
            .security(Security.noise(options.build())).build()).get(10, TimeUnit.SECONDS);
    }

    private int port() {
        return server.endpoints().get(0).port();
    }

    @Test
    void shouldEchoOverEveryPatternAndCipher() throws Exception {
        server.close(Duration.ofSeconds(1));
        server = startServer(NoiseOptions.builder().identity(serverKey).allowAnyClient());
        for (String cipher : NoiseOptions.CIPHERS) {
            try (Client xx = connect(port(), client().ciphers(cipher));
                 Client nk = connect(port(), NoiseOptions.builder().serverKey(serverKey.publicKey())
                     .ciphers(cipher))) {
                assertEquals("xx " + cipher, xx.request("echo", ("xx " + cipher).getBytes()).get(10, TimeUnit.SECONDS)
                    .bodyText());
                assertEquals("nk " + cipher, nk.request("echo", ("nk " + cipher).getBytes()).get(10, TimeUnit.SECONDS)
                    .bodyText());
            }
        }
        assertEquals(4, server.metrics().read(Metric.HANDSHAKES_COMPLETED));
    }

    @Test
    void shouldCarryFramesOfEverySizeAcrossChunks() throws Exception {
        try (Client client = connect(port(), client())) {
            Random random = new Random(9);
            for (int size : new int[] {0, 1, 65_512, 65_513, 65_519, 65_520, 131_038, 131_039, 16 * 1024 * 1024 - 6}) {
                byte[] body = new byte[size];
                random.nextBytes(body);
                assertArrayEquals(body, client.request("echo", body).get(30, TimeUnit.SECONDS).bodyBytes(),
                    "body of " + size + " bytes");
            }
        }
    }

    @Test
    void shouldRekeyBothDirectionsAtTheSameRecord() throws Exception {
        try (Client client = connect(port(), client().rekeyAfterMessages(7))) {
            // One at a time, so that each request and each answer is a record of its own.
            for (int i = 0; i < 500; i++) {
                assertEquals((byte) i, client.request("echo", new byte[] {(byte) i}).get(30, TimeUnit.SECONDS)
                    .bodyBytes()[0]);
            }
            // Pipelined too: many frames per record, rekeys at record boundaries on both sides.
            List<CompletableFuture<Message>> futures = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                futures.add(client.request("echo", new byte[] {(byte) i}));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals((byte) i, futures.get(i).get(30, TimeUnit.SECONDS).bodyBytes()[0]);
            }
            // The client rekeys after every 7 records it sends, the server after every 50.
            assertTrue(client.metrics().read(Metric.NOISE_REKEYS) >= 500 / 7, "client rekeys");
            assertTrue(server.metrics().read(Metric.NOISE_REKEYS) >= 500 / 50, "server rekeys");
        }
    }

    @Test
    void shouldRefuseAClientKeyThatIsNotAuthorized() throws Exception {
        NoiseIdentity stranger = NoiseIdentity.generate();
        ExecutionException e = assertThrows(ExecutionException.class, () -> connect(port(),
            NoiseOptions.builder().identity(stranger).serverKey(serverKey.publicKey())));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(ErrorCode.PEER_NOT_AUTHORIZED, closed.code());
        assertTrue(closed.getMessage().contains(stranger.publicKey().fingerprint()), closed.getMessage());
        Conditions.await("the server reported the refusal", Duration.ofSeconds(10), () -> !serverErrors.isEmpty());
        assertTrue(serverErrors.get(0).startsWith("PEER_NOT_AUTHORIZED client key "
            + stranger.publicKey().fingerprint()), serverErrors.toString());
    }

    @Test
    void shouldRefuseAServerKeyThatIsNotThePinnedOne() {
        NoiseIdentity other = NoiseIdentity.generate();
        ExecutionException e = assertThrows(ExecutionException.class, () -> connect(port(),
            NoiseOptions.builder().identity(clientKey).serverKey(other.publicKey())));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(ErrorCode.PEER_NOT_AUTHORIZED, closed.code());
        assertTrue(closed.getMessage().contains("server key " + serverKey.publicKey().fingerprint()
            + " is not the pinned key " + other.publicKey().fingerprint()), closed.getMessage());
    }

    @Test
    void shouldFailHelloWhenOneSideHasNoNoise() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> Client.connectAsync("tcp://127.0.0.1:"
            + port(), ClientOptions.defaults()).get(10, TimeUnit.SECONDS));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(ErrorCode.NEGOTIATION_FAILED, closed.code());
        assertTrue(closed.getMessage().contains("[none]") && closed.getMessage().contains("'noise'"),
            closed.getMessage());
    }

    @Test
    void shouldRequireAnExplicitDecisionAboutPeerKeys() {
        ConfigurationException server = assertThrows(ConfigurationException.class, () -> Server.builder()
            .listen("tcp://127.0.0.1:0").security(Security.noise(NoiseOptions.builder().build())).start());
        assertTrue(server.getMessage().contains("noise.identity") && server.getMessage()
            .contains("noise.authorized_keys"), server.getMessage());
        ExecutionException client = assertThrows(ExecutionException.class, () -> Client.connectAsync("tcp://127.0.0.1:"
            + port(), ClientOptions.builder().security(Security.noise(NoiseOptions.builder().build())).build())
            .get(10, TimeUnit.SECONDS));
        assertTrue(client.getCause().getMessage().contains("noise.server_key"), client.getCause().getMessage());
    }

    /**
     * XX: a replayed first message is answered (the server remembers no first messages: they authenticate nobody),
     * but the replayer cannot complete the handshake: the captured third message does not decrypt against the
     * server's new ephemeral, and writing another needs the client's ephemeral private key.
     */
    @Test
    void shouldGiveNothingToAnXxHandshakeReplayedFromAnotherConnection() throws Exception {
        List<byte[]> captured;
        try (TamperProxy proxy = new TamperProxy(port(), TamperProxy.PASS, 3);
             Client client = connect(proxy.port(), client())) {
            assertEquals(2, client.request("echo", new byte[2]).get(10, TimeUnit.SECONDS).bodyLength());
            captured = List.copyOf(proxy.recorded());
        }
        // Replay the client's HELLO, first and third handshake messages on a fresh connection.
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), port())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(captured.get(0));
            raw.getOutputStream().write(captured.get(1));
            assertEquals(RawPeer.HELLO, readFrame(raw).type());
            assertEquals(RawNoisePeer.HANDSHAKE, readFrame(raw).type(), "the replayed first message is answered");
            raw.getOutputStream().write(captured.get(2));
            RawPeer.Frame close = readFrame(raw);
            assertEquals(RawPeer.CLOSE, close.type(), "in the clear: the server never split");
            assertEquals(ErrorCode.HANDSHAKE_FAILED.code(), close.code());
            assertTrue(close.text().startsWith("Noise handshake failed"), close.text());
        }
        Conditions.await("the server reported the failure", Duration.ofSeconds(10), () -> !serverErrors.isEmpty());
        assertTrue(serverErrors.get(0).startsWith("HANDSHAKE_FAILED"), serverErrors.toString());
        assertEquals(1, server.metrics().read(Metric.HANDSHAKES_COMPLETED), "only the real client's");
        assertEquals(1, echoed.get(), "only the real client's request");
    }

    /**
     * NK: a replayed first message is answered and opens the server's side, as any anonymous client's does (a
     * fresh handshake would give the replayer the same), but no frame sealed for the original session opens on it:
     * its keys come from ee, which takes the client's ephemeral private key.
     */
    @Test
    void shouldGiveNothingToAnNkHandshakeReplayedFromAnotherConnection() throws Exception {
        server.close(Duration.ofSeconds(1));
        server = startServer(NoiseOptions.builder().identity(serverKey).allowAnyClient());
        List<byte[]> captured;
        try (TamperProxy proxy = new TamperProxy(port(), TamperProxy.PASS, 2);
             Client client = connect(proxy.port(), NoiseOptions.builder().serverKey(serverKey.publicKey()))) {
            assertEquals("once", client.request("echo", "once".getBytes()).get(10, TimeUnit.SECONDS).bodyText());
            captured = List.copyOf(proxy.recorded());
        }
        // HELLO, the first message, then the record that carried the REQUEST.
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), port())) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(captured.get(0));
            raw.getOutputStream().write(captured.get(1));
            assertEquals(RawPeer.HELLO, readFrame(raw).type());
            assertEquals(RawNoisePeer.HANDSHAKE, readFrame(raw).type(), "the replayed first message is answered");
            raw.getOutputStream().write(captured.get(2));
            // The server's answer is a record (a sealed CLOSE) that only the session's keys open, then the end.
            java.io.DataInputStream in = new java.io.DataInputStream(raw.getInputStream());
            byte[] header = new byte[3];
            in.readFully(header);
            in.readFully(new byte[((header[1] & 0xFF) << 8) | (header[2] & 0xFF)]);
            assertEquals(-1, in.read(), "closed after it");
        }
        Conditions.await("the server reported the failure", Duration.ofSeconds(10),
            () -> server.metrics().errors(ErrorCode.AUTHENTICATION_FAILED) == 1);
        assertEquals(1, echoed.get(), "the replayed request never reached the handler");
    }

    /**
     * First messages from peers without keys, fresh ephemerals and valid timestamps each time, are all answered:
     * none leaves anything behind that refuses the next; then a real client connects.
     */
    @Test
    void shouldAnswerFirstMessagesFromPeersWithoutKeysAndStillLetClientsIn() throws Exception {
        Random random = new Random(13);
        for (int i = 0; i < 100; i++) {
            try (RawNoisePeer peer = RawNoisePeer.connect(port())) {
                peer.writeClear(RawPeer.frame(RawPeer.HELLO, 0, RawNoisePeer.helloPayload(
                    RawNoisePeer.noiseProtocols(RawNoisePeer.xx("AESGCM")))));
                assertEquals(RawPeer.HELLO, peer.readClear().type());
                byte[] first = new byte[32 + 8];
                random.nextBytes(first);
                System.arraycopy(RawNoisePeer.timestamp(System.currentTimeMillis()), 0, first, 32, 8);
                peer.writeClear(RawPeer.frame(RawNoisePeer.HANDSHAKE, 0, first));
                RawPeer.Frame answer = peer.readClear();
                assertEquals(RawNoisePeer.HANDSHAKE, answer == null ? -1 : answer.type(), "message " + i + ": "
                    + RawNoisePeer.describe(answer));
            }
        }
        try (Client client = connect(port(), client())) {
            assertEquals("in", client.request("echo", "in".getBytes()).get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    @Test
    void shouldRefuseAHandshakeTimestampOutsideTheWindow() {
        InstantSource late = InstantSource.fixed(Instant.now().plus(Duration.ofMinutes(10)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> connect(port(), client().clock(late)));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(ErrorCode.HANDSHAKE_FAILED, closed.code());
        assertTrue(closed.getMessage().contains("TOO_NEW"), closed.getMessage());
    }

    // ---------------------------------------------------------------- a man in the middle

    /** The client sends HELLO (0), the first and third handshake messages (1, 2) as frames, then records. */
    private static final int FIRST_SEALED = 3;

    @Test
    void shouldCloseWhenOneBitOfASealedPayloadIsFlipped() throws Exception {
        assertTamperingDetected((index, frame) -> {
            if (index == FIRST_SEALED) {
                frame[frame.length - 20] ^= 0x01;
            }
            return List.of(frame);
        });
    }

    @Test
    void shouldCloseWhenOneBitOfARecordHeaderIsFlipped() throws Exception {
        assertTamperingDetected((index, frame) -> {
            if (index == FIRST_SEALED) {
                // The REKEY flag: it passes the flag check, so only the header's authentication can catch it.
                frame[0] ^= 0x01;
            }
            return List.of(frame);
        });
    }

    @Test
    void shouldCloseWhenARecordIsDropped() throws Exception {
        assertTamperingDetected((index, frame) -> index == FIRST_SEALED ? List.of() : List.of(frame));
    }

    @Test
    void shouldCloseWhenRecordsAreReordered() throws Exception {
        byte[][] held = new byte[1][];
        assertTamperingDetected((index, frame) -> {
            if (index == FIRST_SEALED) {
                held[0] = frame;
                return List.of();
            }
            return index == FIRST_SEALED + 1 ? List.of(frame, held[0]) : List.of(frame);
        });
    }

    @Test
    void shouldCloseWhenARecordIsReplayed() throws Exception {
        assertTamperingDetected((index, frame) -> index == FIRST_SEALED ? List.of(frame, frame.clone())
            : List.of(frame));
    }

    /**
     * Sends two requests through the proxy, each in a record of its own (the second only once the proxy has seen the
     * first); the tampering must close the connection with AUTHENTICATION_FAILED, told to the client in a sealed
     * CLOSE, while another client of the same server is served throughout.
     */
    private void assertTamperingDetected(TamperProxy.Tamper tamper) throws Exception {
        try (TamperProxy proxy = new TamperProxy(port(), tamper, FIRST_SEALED);
             Client victim = connect(proxy.port(), client());
             Client bystander = connect(port(), client())) {
            CompletableFuture<Message> first = victim.request("echo", "first".getBytes());
            Conditions.await("the first request's record at the proxy", Duration.ofSeconds(10),
                () -> proxy.recorded().size() > FIRST_SEALED);
            CompletableFuture<Message> second = victim.request("echo", "second".getBytes());
            ExecutionException e = assertThrows(ExecutionException.class, () -> {
                first.get(10, TimeUnit.SECONDS);
                second.get(10, TimeUnit.SECONDS);
            });
            ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
            assertEquals(ErrorCode.AUTHENTICATION_FAILED, closed.code(), closed.getMessage());
            assertEquals(1, server.metrics().errors(ErrorCode.AUTHENTICATION_FAILED));
            assertTrue(serverErrors.get(0).contains("failed authentication"), serverErrors.toString());
            assertEquals("still served", bystander.request("echo", "still served".getBytes())
                .get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    private static RawPeer.Frame readFrame(Socket socket) throws java.io.IOException {
        java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
        byte[] header = new byte[16];
        in.readFully(header);
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(header);
        byte[] payload = new byte[h.getInt(12)];
        in.readFully(payload);
        return new RawPeer.Frame(h.get(3), h.getInt(8), payload);
    }

}
