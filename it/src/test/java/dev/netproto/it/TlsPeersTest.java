package dev.netproto.it;

import dev.netproto.testkit.RequiresProgram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.api.TransportOptions;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.ReloadingTlsContext;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContexts;
import dev.netproto.transport.tls.TlsEngineFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our TLS server and client against real peers: {@code openssl s_client} and {@code openssl s_server}, which share
 * no code with the JDK's TLS stack. Each peer runs as a process with a bounded wait and is destroyed when its test
 * ends; every assertion about a peer carries the command line and what it printed.
 *
 * <p>Refusals are asserted on both sides: the peer fails, and our server counts {@link ErrorCode#HANDSHAKE_FAILED}
 * and tells its error listener why, so that a refusal demonstrably comes from our side and not from the peer's own
 * policy.
 */
@Timeout(90)
@RequiresProgram("openssl")
class TlsPeersTest {
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(20);
    private static final String ALPN = TlsContexts.ALPN_PROTOCOL;
    /** A well-formed pin no key has: SHA-256 is 32 bytes, all zero here. */
    private static final String WRONG_PIN = "sha256/" + Base64.getEncoder().encodeToString(new byte[32]);
    /** Lets OpenSSL 3 offer TLS 1.0/1.1 and SHA-1 at all, so that refusing them is up to our server. */
    private static final String LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0";
    private static final int REQUEST_ID = 42;

    @TempDir
    static Path dir;
    static DevCertificates certs;

    private Server server;
    /** What the server's error listener was told: code, then reason. */
    private final Queue<String> serverErrors = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void makeCertificates() throws IOException {
        certs = DevCertificates.generate("localhost", dir.resolve("certs"));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close(Duration.ofSeconds(2));
        }
    }

    private static TlsConfig.Builder serverConfig() {
        return TlsConfig.server().certificate(certs.serverCertificate(), certs.serverKey())
            .reloadInterval(Duration.ZERO);
    }

    private static TlsConfig.Builder clientConfig() {
        return TlsConfig.client().trustCertificates(certs.caCertificate()).reloadInterval(Duration.ZERO);
    }

    private static ClientOptions clientOptions(TlsConfig.Builder config) {
        return ClientOptions.builder().security(Security.tls(TlsContexts.create(config.build()))).build();
    }

    private void startServer(TlsConfig.Builder config) {
        startServer(TlsContexts.create(config.build()), TransportOptions.defaults());
    }

    private void startServer(TlsEngineFactory engines, TransportOptions transport) {
        server = Server.builder().listen("tls://127.0.0.1:0").eventLoops(1).security(Security.tls(engines))
            .transport(transport)
            .onConnectionError((connection, code, reason) -> serverErrors.add(code + " " + reason))
            .route("echo", (m, r) -> r.send(m.body()))
            .start();
    }

    private String uri() {
        return server.endpoints().get(0).toString();
    }

    private PeerProcess sClient(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
            "127.0.0.1:" + server.endpoints().get(0).port(), "-CAfile", certs.caCertificate().toString(),
            "-verify_return_error", "-nocommands"));
        command.addAll(List.of(options));
        return PeerProcess.start(dir, command);
    }

    private static PeerProcess sServer(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:0",
            "-cert", certs.serverCertificate().toString(), "-key", certs.serverKey().toString(), "-naccept", "1"));
        command.addAll(List.of(options));
        PeerProcess peer = PeerProcess.start(dir, command);
        try {
            peer.awaitOutput("ACCEPT", PEER_TIMEOUT);
            return peer;
        } catch (AssertionError | InterruptedException e) {
            peer.close();
            throw e;
        }
    }

    /** The URI of an s_server, from its {@code ACCEPT 127.0.0.1:PORT} line. */
    private static String sServerUri(PeerProcess peer) throws InterruptedException {
        Pattern accept = Pattern.compile("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
        Conditions.await("s_server's port", PEER_TIMEOUT, () -> accept.matcher(peer.output()).find());
        Matcher m = accept.matcher(peer.output());
        assertTrue(m.find(), peer.describe());
        return "tls://127.0.0.1:" + m.group(1);
    }

    /**
     * Waits until the server's error listener hears of one failed connection, and checks that it was counted and
     * reported as a refused handshake; returns what the listener was told.
     */
    private String awaitRefusal(PeerProcess peer) throws InterruptedException {
        try {
            Conditions.await("the server to report a failed connection", PEER_TIMEOUT, () -> !serverErrors.isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + peer.describe(), e);
        }
        String error = serverErrors.peek();
        assertTrue(error.startsWith("HANDSHAKE_FAILED TLS handshake failed: "), () -> "server said: " + error
            + "\n" + peer.describe());
        assertEquals(1, serverErrors.size(), () -> serverErrors + "\n" + peer.describe());
        assertEquals(1, server.metrics().errors(ErrorCode.HANDSHAKE_FAILED), () -> serverErrors + "\n"
            + peer.describe());
        return error;
    }

    /**
     * Runs s_client with options our server must refuse: s_client fails with {@code peerFragment} in its output, and
     * the server reports HANDSHAKE_FAILED with {@code serverFragment} in the reason.
     */
    private void assertRefused(String peerFragment, String serverFragment, String... options) throws Exception {
        try (PeerProcess peer = sClient(options)) {
            String error = awaitRefusal(peer);
            assertTrue(error.contains(serverFragment), () -> "server said: " + error + "\n" + peer.describe());
            int status = peer.awaitExit(PEER_TIMEOUT);
            assertNotEquals(0, status, peer::describe);
            assertTrue(peer.output().contains(peerFragment), peer::describe);
        }
        assertEquals(0, server.metrics().errors(ErrorCode.TRANSPORT_ERROR), serverErrors::toString);
    }

    /** Waits for s_client to report a verified handshake with our server, and checks protocol and ALPN. */
    private static void assertHandshake(PeerProcess peer, String protocol) throws InterruptedException {
        peer.awaitOutput("Verify return code: 0 (ok)", PEER_TIMEOUT);
        String out = peer.output();
        assertTrue(out.contains("New, " + protocol + ", Cipher is "), peer::describe);
        assertTrue(out.contains("ALPN protocol: " + ALPN), peer::describe);
    }

    /**
     * Through s_client's standard input: HELLO, an echo request and CLOSE, written by the test byte by byte as
     * docs/PROTOCOL.md specifies; checks that our server's response came back decrypted on s_client's output, and
     * that s_client ends once the server closes.
     */
    private void assertEchoThrough(PeerProcess peer) throws Exception {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.writeBytes(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(1 << 20, Security.TLS)));
        frames.writeBytes(RawPeer.frame(RawPeer.REQUEST, REQUEST_ID, RawPeer.requestPayload("echo",
            "via openssl s_client".getBytes(StandardCharsets.US_ASCII))));
        frames.writeBytes(RawPeer.frame(RawPeer.CLOSE, 0, new byte[] {0, 0}));
        peer.write(frames.toByteArray());
        assertEquals(0, peer.awaitExit(PEER_TIMEOUT), peer::describe);
        byte[] out = peer.output().getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(indexOfFrame(out, RawPeer.HELLO, 0) >= 0, () -> "no server HELLO\n" + peer.describe());
        int response = indexOfFrame(out, RawPeer.RESPONSE, 0);
        assertTrue(response >= 0, () -> "no RESPONSE\n" + peer.describe());
        ByteBuffer b = ByteBuffer.wrap(out);
        assertEquals(REQUEST_ID, b.getInt(response + 8));
        byte[] body = new byte[b.getInt(response + 12)];
        b.get(response + 16, body);
        assertEquals("via openssl s_client", new String(body, StandardCharsets.US_ASCII));
    }

    /** The offset of the first frame header of a type in bytes a peer printed, or -1. */
    private static int indexOfFrame(byte[] bytes, int type, int from) {
        for (int i = from; i + 16 <= bytes.length; i++) {
            if ((bytes[i] & 0xFF) == RawPeer.MAGIC >> 8 && (bytes[i + 1] & 0xFF) == (RawPeer.MAGIC & 0xFF)
                && bytes[i + 2] == 1 && bytes[i + 3] == type) {
                return i;
            }
        }
        return -1;
    }

    private static ConnectionClosedException connectFails(String uri, ClientOptions options) {
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> Client.connectAsync(uri, options).get(30, TimeUnit.SECONDS));
        return assertInstanceOf(ConnectionClosedException.class, e.getCause());
    }

    private static String echo(Client client, String text) throws Exception {
        return client.request("echo", text.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).bodyText();
    }

    // ---------------------------------------------------------------- s_client against our server

    @Test
    void shouldCompleteATls13HandshakeAndExchangeFramesWithOpensslSClient() throws Exception {
        startServer(serverConfig());
        try (PeerProcess peer = sClient("-tls1_3", "-alpn", ALPN, "-verify_ip", "127.0.0.1")) {
            assertHandshake(peer, "TLSv1.3");
            assertEchoThrough(peer);
        }
        assertEquals(0, server.metrics().errors(ErrorCode.HANDSHAKE_FAILED), serverErrors::toString);
    }

    /** Our server ends a TLS session with close_notify after its CLOSE frame: s_client's -msg trace shows it. */
    @Test
    void shouldSendCloseNotifyToOpensslSClientWhenShuttingDown() throws Exception {
        startServer(serverConfig());
        try (PeerProcess peer = sClient("-tls1_3", "-alpn", ALPN, "-msg")) {
            assertHandshake(peer, "TLSv1.3");
            peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(1 << 20, Security.TLS)));
            Conditions.await("our server answered HELLO", PEER_TIMEOUT, () -> server.metrics()
                .read(dev.netproto.api.spi.Metric.HANDSHAKES_COMPLETED) == 1);
            server.close(Duration.ofSeconds(5));
            peer.awaitOutput("close_notify", PEER_TIMEOUT);
        }
    }

    @Test
    void shouldRefuseTls11FromOpensslSClient() throws Exception {
        startServer(serverConfig());
        assertRefused("alert protocol version", "TLSv1.1", "-tls1_1", "-cipher", LEGACY_CIPHERS, "-alpn", ALPN);
    }

    @Test
    void shouldRefuseTls10FromOpensslSClient() throws Exception {
        startServer(serverConfig());
        assertRefused("alert protocol version", "TLSv1", "-tls1", "-cipher", LEGACY_CIPHERS, "-alpn", ALPN);
    }

    @Test
    void shouldCompleteATls12HandshakeWithEcdheAndAeadWithOpensslSClient() throws Exception {
        startServer(serverConfig());
        try (PeerProcess peer = sClient("-tls1_2", "-alpn", ALPN)) {
            assertHandshake(peer, "TLSv1.2");
            Matcher suite = Pattern.compile("Cipher is (\\S+)").matcher(peer.output());
            assertTrue(suite.find(), peer::describe);
            assertTrue(suite.group(1).matches("ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)"),
                peer::describe);
            assertEchoThrough(peer);
        }
    }

    @Test
    void shouldRefuseTls12WithoutForwardSecrecyOrAead() throws Exception {
        startServer(serverConfig());
        // RSA key exchange, CBC, SHA-1 MAC: nothing our policy allows.
        assertRefused("alert handshake failure", "no cipher suites in common",
            "-tls1_2", "-cipher", "AES128-SHA", "-alpn", ALPN);
    }

    @Test
    void shouldRefuseTls12EcdheWithCbcThatTheJdkAloneWouldAccept() throws Exception {
        startServer(serverConfig());
        // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 is enabled in the JDK by default; only our allow list drops it.
        assertRefused("alert handshake failure", "no cipher suites in common",
            "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256", "-alpn", ALPN);
    }

    // ---------------------------------------------------------------- renegotiation and key update

    /** s_client with its single-letter commands on: a chunk of standard input starting with R, k or K is one. */
    private PeerProcess sClientWithCommands(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
            "127.0.0.1:" + server.endpoints().get(0).port(), "-CAfile", certs.caCertificate().toString(),
            "-verify_return_error"));
        command.addAll(List.of(options));
        return PeerProcess.start(dir, command);
    }

    /**
     * Sends HELLO through s_client and waits for our server's HELLO on s_client's output: s_client has then read
     * the HELLO from its standard input, so that what the test writes next is a chunk of its own (a command).
     */
    private void openThrough(PeerProcess peer) throws Exception {
        peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(1 << 20, Security.TLS)));
        try {
            Conditions.await("our server's HELLO at s_client", PEER_TIMEOUT, () -> indexOfFrame(
                peer.output().getBytes(StandardCharsets.ISO_8859_1), RawPeer.HELLO, 0) >= 0);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + peer.describe(), e);
        }
    }

    /**
     * A TLS 1.2 client that asks for a second handshake on an open connection is refused by our server, which
     * closes that connection with a reason that says so, and goes on serving another client. (Before, the JDK took
     * the ClientHello, nothing answered it, and the connection hung until a timeout or unexpected_message.)
     */
    @Test
    void shouldRefuseATls12RenegotiationStartedByOpensslSClientAndServeOtherClients() throws Exception {
        startServer(serverConfig());
        try (Client other = Client.connect(uri(), clientOptions(clientConfig()));
             PeerProcess peer = sClientWithCommands("-tls1_2", "-alpn", ALPN, "-msg")) {
            assertHandshake(peer, "TLSv1.2");
            openThrough(peer);
            peer.write("R\n".getBytes(StandardCharsets.US_ASCII));
            peer.awaitOutput("RENEGOTIATING", PEER_TIMEOUT);
            try {
                Conditions.await("the server to report the refusal", PEER_TIMEOUT, () -> !serverErrors.isEmpty());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + peer.describe(), e);
            }
            assertEquals(List.of("HANDSHAKE_FAILED TLS renegotiation refused: the peer started a new handshake on "
                + "an established TLSv1.2 session"), List.copyOf(serverErrors), peer::describe);
            assertEquals(1, server.metrics().errors(ErrorCode.HANDSHAKE_FAILED), serverErrors::toString);
            assertEquals(0, server.metrics().errors(ErrorCode.TRANSPORT_ERROR), serverErrors::toString);
            // SSLEngine cannot send the no_renegotiation warning: the refusal reaches s_client as close_notify, with
            // no ServerHello before it (-msg traces both directions).
            peer.awaitExit(PEER_TIMEOUT);
            String afterRequest = peer.output().substring(peer.output().indexOf("RENEGOTIATING"));
            assertTrue(afterRequest.contains("ClientHello"), peer::describe);
            assertTrue(afterRequest.contains("warning close_notify"), peer::describe);
            assertFalse(afterRequest.contains("ServerHello"), peer::describe);
            assertEquals("still served", echo(other, "still served"), "the other connection is untouched");
        }
        try (Client after = Client.connect(uri(), clientOptions(clientConfig()))) {
            assertEquals("new one", echo(after, "new one"));
        }
    }

    /** TLS 1.3 has no renegotiation; its KeyUpdate (here one that asks for ours in return) must keep working. */
    @Test
    void shouldAnswerATls13KeyUpdateFromOpensslSClientAndKeepServing() throws Exception {
        startServer(serverConfig());
        try (PeerProcess peer = sClientWithCommands("-tls1_3", "-alpn", ALPN, "-msg")) {
            assertHandshake(peer, "TLSv1.3");
            openThrough(peer);
            peer.write("K\n".getBytes(StandardCharsets.US_ASCII));
            peer.awaitOutput("KEYUPDATE", PEER_TIMEOUT);
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            frames.writeBytes(RawPeer.frame(RawPeer.REQUEST, REQUEST_ID, RawPeer.requestPayload("echo",
                "after key update".getBytes(StandardCharsets.US_ASCII))));
            frames.writeBytes(RawPeer.frame(RawPeer.CLOSE, 0, new byte[] {0, 0}));
            peer.write(frames.toByteArray());
            assertEquals(0, peer.awaitExit(PEER_TIMEOUT), peer::describe);
            byte[] out = peer.output().getBytes(StandardCharsets.ISO_8859_1);
            int response = indexOfFrame(out, RawPeer.RESPONSE, 0);
            assertTrue(response >= 0, () -> "no RESPONSE\n" + peer.describe());
            byte[] body = new byte[ByteBuffer.wrap(out).getInt(response + 12)];
            ByteBuffer.wrap(out).get(response + 16, body);
            assertEquals("after key update", new String(body, StandardCharsets.US_ASCII));
            // -msg traces both KeyUpdates: s_client's, and ours, sent because s_client asked for it.
            assertTrue(countOf(peer.output(), "KeyUpdate") >= 2, peer::describe);
        }
        assertTrue(serverErrors.isEmpty(), serverErrors::toString);
    }

    private static int countOf(String text, String fragment) {
        int count = 0;
        for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + 1)) {
            count++;
        }
        return count;
    }

    // ---------------------------------------------------------------- mutual TLS

    private TlsConfig.Builder requireClientCertificates() {
        return serverConfig().clientAuth(TlsConfig.ClientAuth.REQUIRE).trustCertificates(certs.caCertificate());
    }

    @Test
    void shouldRefuseOpensslSClientWithoutACertificateWhenClientAuthIsRequired() throws Exception {
        startServer(requireClientCertificates());
        // TLS 1.3: s_client considers its handshake done when it sends Finished; the refusal comes as an alert.
        assertRefused("alert certificate required", "certificate", "-tls1_3", "-alpn", ALPN);
    }

    @Test
    void shouldRefuseOpensslSClientWithoutACertificateOverTls12WhenClientAuthIsRequired() throws Exception {
        startServer(requireClientCertificates());
        assertRefused("alert", "certificate", "-tls1_2", "-alpn", ALPN);
    }

    @Test
    void shouldAcceptOpensslSClientWithACertificateWhenClientAuthIsRequired() throws Exception {
        startServer(requireClientCertificates());
        try (PeerProcess peer = sClient("-tls1_3", "-alpn", ALPN, "-cert", certs.clientCertificate().toString(),
            "-key", certs.clientKey().toString())) {
            assertHandshake(peer, "TLSv1.3");
            // Under TLS 1.3 the server checks the certificate after s_client's handshake is done: only an answered
            // request proves it was accepted.
            assertEchoThrough(peer);
        }
        assertEquals(0, server.metrics().errors(ErrorCode.HANDSHAKE_FAILED), serverErrors::toString);
    }

    @Test
    void shouldAcceptOurClientWithACertificateAndRefuseItWithoutOne() throws Exception {
        startServer(requireClientCertificates());
        try (Client client = Client.connect(uri(), clientOptions(clientConfig()
            .certificate(certs.clientCertificate(), certs.clientKey())))) {
            assertEquals("mutual", echo(client, "mutual"));
        }
        ConnectionClosedException e = connectFails(uri(), clientOptions(clientConfig()));
        assertTrue(e.getMessage().contains("certificate_required"), e::toString);
        Conditions.await("the server to count the refusal", PEER_TIMEOUT,
            () -> server.metrics().errors(ErrorCode.HANDSHAKE_FAILED) == 1);
        // Under TLS 1.3 the client's side of the handshake is done before the server refuses its (missing)
        // certificate, so the refusal arrives as an alert while HELLO is pending. It is still a failed TLS handshake
        // (ErrorCode.HANDSHAKE_FAILED: "a TLS alert"), not a transport error.
        assertEquals(ErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
    }

    // ---------------------------------------------------------------- our client against s_server

    @Test
    void shouldCompleteATls13HandshakeAndExchangeFramesWithOpensslSServer() throws Exception {
        try (PeerProcess peer = sServer("-tls1_3", "-alpn", ALPN)) {
            String uri = sServerUri(peer);
            CompletableFuture<Client> connecting = Client.connectAsync(uri, clientOptions(clientConfig()
                .pins(certs.serverPin())));
            // s_server prints what it decrypts: our client's HELLO arrives once the handshake is done.
            peer.awaitOutput("NP\u0001\u0001", PEER_TIMEOUT);
            String out = peer.output();
            assertTrue(out.contains("CIPHER is TLS_"), peer::describe);
            assertTrue(out.contains("ALPN protocols advertised by the client: " + ALPN), peer::describe);
            // s_server sends what it reads on its standard input: the test answers as a netproto server would.
            peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(1 << 20, Security.TLS)));
            try (Client client = connecting.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                CompletableFuture<Message> response = client.request("echo", "to s_server".getBytes(
                    StandardCharsets.US_ASCII));
                Conditions.await("the REQUEST at s_server", PEER_TIMEOUT, () -> indexOfFrame(
                    peer.output().getBytes(StandardCharsets.ISO_8859_1), RawPeer.REQUEST, 0) >= 0);
                byte[] printed = peer.output().getBytes(StandardCharsets.ISO_8859_1);
                int request = indexOfFrame(printed, RawPeer.REQUEST, 0);
                int id = ByteBuffer.wrap(printed).getInt(request + 8);
                peer.write(RawPeer.frame(RawPeer.RESPONSE, id, "from s_server".getBytes(StandardCharsets.US_ASCII)));
                assertEquals("from s_server", response.get(PEER_TIMEOUT.toSeconds(), TimeUnit.SECONDS).bodyText());
            }
            assertEquals(0, peer.awaitExit(PEER_TIMEOUT), peer::describe);
        }
    }

    @Test
    void shouldFailWithBothPinsWhenOpensslSServerPresentsAnotherKey() throws Exception {
        try (PeerProcess peer = sServer("-tls1_3", "-alpn", ALPN)) {
            ConnectionClosedException e = connectFails(sServerUri(peer), clientOptions(clientConfig()
                .pins(WRONG_PIN)));
            assertEquals(ErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
            assertTrue(e.getMessage().contains("presented " + certs.serverPin()), e::toString);
            assertTrue(e.getMessage().contains("expected one of [" + WRONG_PIN + "]"), e::toString);
            assertEquals(0, peer.awaitExit(PEER_TIMEOUT), peer::describe);
            assertTrue(peer.output().contains("alert certificate unknown"), peer::describe);
        }
    }

    // ---------------------------------------------------------------- ALPN

    @Test
    void shouldRefuseOpensslSClientOfferingAnotherApplicationProtocol() throws Exception {
        startServer(serverConfig());
        assertRefused("alert no application protocol", "application", "-tls1_3", "-alpn", "h2");
    }

    @Test
    void shouldRefuseOpensslSClientOfferingNoApplicationProtocol() throws Exception {
        startServer(serverConfig());
        try (PeerProcess peer = sClient("-tls1_3")) {
            peer.awaitExit(PEER_TIMEOUT);
            assertTrue(peer.output().contains("No ALPN negotiated"), peer::describe);
            Conditions.await("the server to report the refusal", PEER_TIMEOUT, () -> !serverErrors.isEmpty());
            assertTrue(serverErrors.peek().contains("negotiated no application protocol"), serverErrors::toString);
            // TlsEngineSource.checkApplicationProtocol: "The connection is closed with HANDSHAKE_FAILED".
            awaitRefusal(peer);
        }
    }

    @Test
    void shouldRefuseOpensslSServerThatKnowsOnlyAnotherApplicationProtocol() throws Exception {
        try (PeerProcess peer = sServer("-tls1_3", "-alpn", "h2")) {
            ConnectionClosedException e = connectFails(sServerUri(peer), clientOptions(clientConfig()));
            assertEquals(ErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
            assertTrue(e.getMessage().contains("no_application_protocol"), e::toString);
            peer.awaitExit(PEER_TIMEOUT);
            assertTrue(peer.output().contains("ALPN protocols advertised by the client: " + ALPN), peer::describe);
        }
    }

    @Test
    void shouldRefuseOpensslSServerThatNegotiatesNoApplicationProtocol() throws Exception {
        try (PeerProcess peer = sServer("-tls1_3")) {
            ConnectionClosedException e = connectFails(sServerUri(peer), clientOptions(clientConfig()));
            assertTrue(e.getMessage().contains("negotiated no application protocol"), e::toString);
            peer.awaitExit(PEER_TIMEOUT);
            assertTrue(peer.output().contains("CIPHER is TLS_"), () -> "the TLS handshake itself completed\n"
                + peer.describe());
            // TlsEngineSource.checkApplicationProtocol: "The connection is closed with HANDSHAKE_FAILED".
            assertEquals(ErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
        }
    }

    // ---------------------------------------------------------------- host names

    @Test
    void shouldRefuseAServerWhoseCertificateDoesNotNameTheHostConnectedTo() throws Exception {
        Path named = dir.resolve("example");
        Files.createDirectories(named);
        // A certificate made by openssl, naming example.test only (no IP address): our PEM reader must take it too.
        try (PeerProcess req = PeerProcess.start(named, List.of("openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "example.key", "-out", "example.pem",
            "-days", "2", "-subj", "/CN=example.test", "-addext", "subjectAltName=DNS:example.test"))) {
            assertEquals(0, req.awaitExit(PEER_TIMEOUT), req::describe);
        }
        Path cert = named.resolve("example.pem");
        startServer(TlsConfig.server().certificate(cert, named.resolve("example.key")).reloadInterval(Duration.ZERO));
        TlsConfig.Builder trusting = TlsConfig.client().trustCertificates(cert).reloadInterval(Duration.ZERO);

        ConnectionClosedException e = connectFails(uri(), clientOptions(trusting));
        assertEquals(ErrorCode.HANDSHAKE_FAILED, e.code(), e::toString);
        assertTrue(e.getMessage().contains("127.0.0.1"), e::toString);
        // The same certificate is accepted for the name it carries: only the host name was wrong.
        try (Client client = Client.connect(uri(), clientOptions(trusting.serverName("example.test")))) {
            assertEquals("named", echo(client, "named"));
        }
    }

    // ---------------------------------------------------------------- rotation

    @Test
    void shouldPresentARotatedCertificateToNewConnectionsAndKeepOldOnes() throws Exception {
        Path rotating = dir.resolve("rotating");
        DevCertificates first = DevCertificates.generate("localhost", rotating);
        Duration interval = Duration.ofMillis(1);
        TlsEngineFactory engines = TlsContexts.create(TlsConfig.server()
            .certificate(first.serverCertificate(), first.serverKey()).reloadInterval(interval).build());
        assertInstanceOf(ReloadingTlsContext.class, engines, "a positive reload interval follows the files");
        startServer(engines, TransportOptions.defaults());
        try (Client before = Client.connect(uri(), clientOptions(TlsConfig.client().pins(first.serverPin())
            .pinsOnly(true)))) {
            assertEquals("before", echo(before, "before"));

            long rotatedNs = System.nanoTime();
            DevCertificates second = DevCertificates.generate("localhost", rotating);
            assertNotEquals(first.serverPin(), second.serverPin());
            // The files are checked at most once per interval, when a connection comes.
            Conditions.await("one reload interval", PEER_TIMEOUT, () -> System.nanoTime() - rotatedNs
                > interval.toNanos());

            try (Client after = Client.connect(uri(), clientOptions(TlsConfig.client().pins(second.serverPin())
                .pinsOnly(true)))) {
                assertEquals("after", echo(after, "after"));
            }
            ConnectionClosedException stale = connectFails(uri(), clientOptions(TlsConfig.client()
                .pins(first.serverPin()).pinsOnly(true)));
            assertTrue(stale.getMessage().contains("presented " + second.serverPin()), stale::toString);
            try (PeerProcess peer = PeerProcess.start(dir, List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + server.endpoints().get(0).port(), "-CAfile", second.caCertificate().toString(),
                "-verify_return_error", "-nocommands", "-alpn", ALPN))) {
                assertHandshake(peer, "TLSv1.3");
                peer.closeInput();
                assertEquals(0, peer.awaitExit(PEER_TIMEOUT), peer::describe);
            }
            assertEquals("still open", echo(before, "still open"), "the first connection is untouched");
        }
    }

    // ---------------------------------------------------------------- partial writes

    @Test
    @Timeout(180)
    void shouldCarryManyLargeRequestsThroughSmallSocketBuffers() throws Exception {
        TransportOptions small = new TransportOptions(true, 0, 8192, 8192, true);
        startServer(TlsContexts.create(serverConfig().build()), small);
        ClientOptions options = ClientOptions.builder().security(Security.tls(TlsContexts.create(clientConfig()
                .build())))
            .transport(small).backpressureWait(Duration.ofSeconds(60)).requestTimeout(Duration.ofSeconds(60))
            .build();
        byte[] base = new byte[1024 * 1024];
        new Random(7).nextBytes(base);
        int requests = 200;
        int window = 8;
        try (Client client = Client.connect(uri(), options)) {
            ArrayDeque<CompletableFuture<Message>> inFlight = new ArrayDeque<>();
            int checked = 0;
            for (int i = 0; i < requests || !inFlight.isEmpty(); ) {
                if (i < requests && inFlight.size() < window) {
                    inFlight.add(client.request("echo", body(base, i)));
                    i++;
                    continue;
                }
                byte[] echoed = inFlight.poll().get(60, TimeUnit.SECONDS).bodyBytes();
                byte[] expected = body(base, checked);
                if (!Arrays.equals(expected, echoed)) {
                    assertArrayEquals(expected, echoed, "request " + checked);
                }
                checked++;
            }
            assertEquals(requests, checked);
        }
        assertEquals(0, server.metrics().errors(ErrorCode.TRANSPORT_ERROR), serverErrors::toString);
    }

    /** A 1 MiB body distinct per request: the index in its first four bytes. */
    private static byte[] body(byte[] base, int index) {
        byte[] b = base.clone();
        ByteBuffer.wrap(b).putInt(0, index);
        return b;
    }
}
