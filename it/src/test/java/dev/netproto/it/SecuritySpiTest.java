package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.NoisePeerIdentity;
import dev.netproto.api.Peer;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.api.TlsPeerIdentity;
import dev.netproto.it.psk.PskSecurityProvider;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security SPI from outside: a name nobody implements is refused before any connection, a mechanism that
 * refuses its peer or never finishes its handshake lets no request through (nothing falls back to plaintext), and
 * handlers learn who called them under every mechanism.
 */
@Timeout(60)
class SecuritySpiTest {
    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close(Duration.ofSeconds(2));
        }
    }

    /** A server whose "who" route answers with what the handler sees of its peer. */
    private String startWho(String listen, Security security) {
        server = Server.builder().listen(listen).security(security)
            .route("who", (m, r) -> r.send(describe(m.peer()).getBytes()))
            .start();
        return server.endpoints().get(0).toString();
    }

    private static String describe(Peer p) {
        return p.transport() + "|" + p.security() + "|" + p.identity().map(i -> i.mechanism() + ":" + i.name())
            .orElse("anonymous") + "|" + p.remoteAddress();
    }

    @Test
    void shouldRefuseASecurityNameNoProviderImplementsNamingTheNamesFound() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Server.builder()
            .listen("tcp://127.0.0.1:0").security("kerberos").route("who", (m, r) -> r.send(m.body())).start());
        assertTrue(e.getMessage().contains("unknown security provider 'kerberos'"), e.getMessage());
        assertTrue(e.getMessage().contains("none") && e.getMessage().contains("noise")
            && e.getMessage().contains("psk") && e.getMessage().contains("tls"), e.getMessage());
        ExecutionException client = assertThrows(ExecutionException.class, () -> Client.connectAsync(
            "tcp://127.0.0.1:1", ClientOptions.builder().security("kerberos").build()).get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConfigurationException.class, client.getCause());
    }

    @Test
    void shouldRefuseAProviderWhoseSettingsAreMissing() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Server.builder()
            .listen("tcp://127.0.0.1:0").security(PskSecurityProvider.NAME).route("who", (m, r) -> r.send(m.body()))
            .start());
        assertTrue(e.getMessage().contains("'psk' needs"), e.getMessage());
    }

    @Test
    void shouldFailClosedWhenThePeerDoesNotHoldTheKey() throws Exception {
        String uri = startWho("tcp://127.0.0.1:0", PskTcpTransportTest.psk("site-a", PskTcpTransportTest.KEY));
        byte[] other = PskTcpTransportTest.KEY.clone();
        other[0] ^= 1;
        ExecutionException e = assertThrows(ExecutionException.class, () -> Client.connectAsync(uri,
            ClientOptions.builder().security(PskTcpTransportTest.psk("site-a", other)).build())
            .get(10, TimeUnit.SECONDS));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(ErrorCode.HANDSHAKE_FAILED, closed.code(), closed.getMessage());
        assertTrue(closed.getMessage().contains("does not hold key 'site-a'"), closed.getMessage());
        try (Client good = Client.connect(uri, ClientOptions.builder()
            .security(PskTcpTransportTest.psk("site-a", PskTcpTransportTest.KEY)).build())) {
            assertEquals("tcp|psk|psk:site-a", prefix(good.request("who", new byte[0]).get(10, TimeUnit.SECONDS)
                .bodyText()), "everyone else is still served");
        }
    }

    @Test
    void shouldNeverOpenAConnectionWhoseMechanismDoesNotFinishItsHandshake() throws Exception {
        // The client never sends its nonce: a session that never says "established" must not let requests
        // through in the clear; the handshake timeout ends the connection instead.
        AtomicReference<String> served = new AtomicReference<>();
        server = Server.builder().listen("tcp://127.0.0.1:0")
            .security(PskTcpTransportTest.psk("site-a", PskTcpTransportTest.KEY))
            .connection(ConnectionOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build())
            .route("who", (m, r) -> {
                served.set("served");
                r.send(m.body());
            })
            .start();
        try (RawPeer raw = new RawPeer(server.endpoints().get(0))) {
            raw.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(16 * 1024 * 1024, "psk")));
            assertEquals(RawPeer.HELLO, raw.read().type());
            raw.write(RawPeer.frame(RawPeer.REQUEST, 1, RawPeer.requestPayload("who", new byte[] {1})));
            RawPeer.Frame close = raw.readClose();
            assertEquals(ErrorCode.UNEXPECTED_FRAME.code(), close.code(), "a request before the handshake is "
                + "refused, not served: " + close.text());
        }
        try (RawPeer raw = new RawPeer(server.endpoints().get(0))) {
            raw.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(16 * 1024 * 1024, "psk")));
            assertEquals(RawPeer.HELLO, raw.read().type());
            RawPeer.Frame close = raw.readClose();
            assertEquals(ErrorCode.TIMEOUT.code(), close.code(), "a handshake that never ends times out: "
                + close.text());
        }
        assertEquals(null, served.get());
    }

    @Test
    void shouldTellHandlersTheirPeerWithoutSecurity() throws Exception {
        String uri = startWho("tcp://127.0.0.1:0", Security.none());
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            String who = client.request("who", new byte[0]).get(10, TimeUnit.SECONDS).bodyText();
            assertTrue(who.startsWith("tcp|none|anonymous|/127.0.0.1:"), who);
        }
    }

    @Test
    void shouldTellHandlersTheirPeersCertificateUnderMutualTls(@TempDir Path dir) throws Exception {
        DevCertificates certs = DevCertificates.generate("localhost", dir);
        String uri = startWho("tls://127.0.0.1:0", Security.tls(TlsContexts.create(TlsConfig.server()
            .certificate(certs.serverCertificate(), certs.serverKey())
            .clientAuth(TlsConfig.ClientAuth.REQUIRE).trustCertificates(certs.caCertificate()).build())));
        ClientOptions options = ClientOptions.builder().security(Security.tls(TlsContexts.create(TlsConfig.client()
            .trustCertificates(certs.caCertificate()).certificate(certs.clientCertificate(), certs.clientKey())
            .build()))).build();
        try (Client client = Client.connect(uri, options)) {
            var response = client.request("who", new byte[0]).get(10, TimeUnit.SECONDS);
            String who = response.bodyText();
            assertTrue(who.startsWith("tls|tls|tls:CN="), who);
            PeerIdentity server = response.peer().identity().orElseThrow();
            TlsPeerIdentity tls = assertInstanceOf(TlsPeerIdentity.class, server, "the client sees the server's chain");
            assertTrue(tls.name().contains("localhost"), tls.name());
        }
    }

    @Test
    void shouldTellHandlersTheNoiseKeyAndItsAuthorizedKeysComment(@TempDir Path dir) throws Exception {
        NoiseIdentity serverKeys = NoiseIdentity.generate();
        NoiseIdentity clientKeys = NoiseIdentity.generate();
        Path authorized = dir.resolve("authorized_keys");
        Files.writeString(authorized, clientKeys.publicKey() + " billing-service@host7\n");
        String uri = startWho("tcp://127.0.0.1:0", Security.noise(NoiseOptions.builder().identity(serverKeys)
            .authorizedKeys(AuthorizedKeys.load(authorized)).build()));
        ClientOptions options = ClientOptions.builder().security(Security.noise(NoiseOptions.builder()
            .identity(clientKeys).serverKey(serverKeys.publicKey()).build())).build();
        try (Client client = Client.connect(uri, options)) {
            var response = client.request("who", new byte[0]).get(10, TimeUnit.SECONDS);
            assertEquals("tcp|noise|noise:billing-service@host7 (" + clientKeys.publicKey().fingerprint() + ")",
                prefix(response.bodyText()));
            NoisePeerIdentity serverSeen = assertInstanceOf(NoisePeerIdentity.class,
                response.peer().identity().orElseThrow());
            assertEquals(serverKeys.publicKey(), serverSeen.key(), "the client sees the server's key");
        }
    }

    @Test
    void shouldTellHandlersThePreSharedKeyName() throws Exception {
        String uri = startWho("tcp://127.0.0.1:0", PskTcpTransportTest.psk("site-a", PskTcpTransportTest.KEY));
        try (Client client = Client.connect(uri, ClientOptions.builder()
            .security(PskTcpTransportTest.psk("site-a", PskTcpTransportTest.KEY)).build())) {
            var response = client.request("who", new byte[0]).get(10, TimeUnit.SECONDS);
            assertEquals("tcp|psk|psk:site-a", prefix(response.bodyText()));
            assertFalse(response.peer().toString().isEmpty());
        }
    }

    /** The part before the remote address, which changes per run. */
    private static String prefix(String who) {
        return who.substring(0, who.lastIndexOf('|'));
    }
}
