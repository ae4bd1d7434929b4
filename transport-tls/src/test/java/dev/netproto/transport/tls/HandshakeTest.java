package dev.netproto.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class HandshakeTest {
    private static final String CN = "server.test";

    @TempDir
    Path dir;

    private DevCertificates certs;

    @BeforeEach
    void generateCertificates() throws IOException {
        certs = DevCertificates.generate(CN, dir);
    }

    private TlsConfig.Builder server() {
        return TlsConfig.server().certificate(certs.serverCertificate(), certs.serverKey())
            .reloadInterval(Duration.ZERO);
    }

    private TlsConfig.Builder client() {
        return TlsConfig.client().trustCertificates(certs.caCertificate()).reloadInterval(Duration.ZERO);
    }

    private static SSLEngine serverEngine(TlsConfig.Builder config) {
        return TlsContexts.create(config.build()).newEngine("127.0.0.1", 50_000);
    }

    private static SSLEngine clientEngine(TlsConfig.Builder config, String host) {
        return TlsContexts.create(config.build()).newEngine(host, 7700);
    }

    private static String peerName(SSLEngine engine) throws SSLPeerUnverifiedException {
        return ((X509Certificate) engine.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    @Test
    void shouldNegotiateTls13AndAlpnWhenBothSidesUseDefaults() throws SSLException {
        TlsEngineFactory serverFactory = TlsContexts.create(server().build());
        TlsEngineFactory clientFactory = TlsContexts.create(client().build());
        SSLEngine serverEngine = serverFactory.newEngine("127.0.0.1", 50_000);
        SSLEngine clientEngine = clientFactory.newEngine("localhost", 7700);

        InMemoryTls tls = new InMemoryTls(clientEngine, serverEngine).handshake();

        assertEquals("TLSv1.3", clientEngine.getSession().getProtocol());
        assertTrue(TlsContexts.TLS13_CIPHER_SUITES.contains(clientEngine.getSession().getCipherSuite()));
        assertEquals("netproto/1", clientEngine.getApplicationProtocol());
        assertEquals("netproto/1", serverEngine.getApplicationProtocol());
        clientFactory.checkApplicationProtocol(clientEngine);
        serverFactory.checkApplicationProtocol(serverEngine);
        assertEquals("CN=" + CN, peerName(clientEngine));
        assertEquals("hello over TLS", tls.clientToServer("hello over TLS"));
    }

    @Test
    void shouldSendSniWhenClientConnectsByHostName() throws SSLException {
        SSLEngine clientEngine = clientEngine(client(), "localhost");
        assertEquals("localhost", ((SNIHostName) clientEngine.getSSLParameters().getServerNames().get(0))
            .getAsciiName());
        SSLEngine byIp = clientEngine(client(), "127.0.0.1");
        assertTrue(byIp.getSSLParameters().getServerNames().isEmpty(), "no IP literal in SNI (RFC 6066)");
    }

    @Test
    void shouldVerifyIpAddressNamesWhenClientConnectsByIp() throws SSLException {
        new InMemoryTls(clientEngine(client(), "127.0.0.1"), serverEngine(server())).handshake();
        new InMemoryTls(clientEngine(client(), "::1"), serverEngine(server())).handshake();
    }

    @Test
    void shouldFailWhenHostnameDoesNotMatch() {
        SSLEngine clientEngine = clientEngine(client(), "other.test");
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(clientEngine, serverEngine(server())).handshake());
        assertTrue(e.getMessage().contains("other.test"), e.getMessage());
    }

    @Test
    void shouldFailWhenServerNameDoesNotMatchEvenIfConnectHostDoes() {
        SSLEngine clientEngine = clientEngine(client().serverName("other.test"), "localhost");
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(clientEngine, serverEngine(server())).handshake());
        assertTrue(e.getMessage().contains("other.test"), e.getMessage());
    }

    @Test
    void shouldAcceptAnyNameWhenHostnameVerificationIsOff() throws SSLException {
        new InMemoryTls(clientEngine(client().hostnameVerification(false), "other.test"), serverEngine(server()))
            .handshake();
    }

    @Test
    void shouldFailWhenServerChainIsNotTrusted() throws IOException {
        DevCertificates otherCa = DevCertificates.generate(CN, dir.resolve("other"));
        SSLEngine clientEngine = clientEngine(TlsConfig.client().trustCertificates(otherCa.caCertificate()),
            "localhost");
        assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(clientEngine, serverEngine(server())).handshake());
    }

    @Test
    void shouldRefuseClientWithoutCertificateWhenClientAuthRequired() {
        SSLEngine serverEngine = serverEngine(server().clientAuth(TlsConfig.ClientAuth.REQUIRE)
            .trustCertificates(certs.caCertificate()));
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(clientEngine(client(), "localhost"), serverEngine).handshake());
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("certificate"), e.getMessage());
    }

    @Test
    void shouldAcceptClientCertificateWhenClientAuthRequired() throws SSLException {
        SSLEngine serverEngine = serverEngine(server().clientAuth(TlsConfig.ClientAuth.REQUIRE)
            .trustCertificates(certs.caCertificate()));
        SSLEngine clientEngine = clientEngine(client().certificate(certs.clientCertificate(), certs.clientKey()),
            "localhost");
        new InMemoryTls(clientEngine, serverEngine).handshake();
        assertTrue(peerName(serverEngine).contains("client"), peerName(serverEngine));
    }

    @Test
    void shouldRefuseClientCertificateFromAnotherCaWhenClientAuthRequired() throws IOException {
        DevCertificates other = DevCertificates.generate(CN, dir.resolve("other"));
        SSLEngine serverEngine = serverEngine(server().clientAuth(TlsConfig.ClientAuth.REQUIRE)
            .trustCertificates(certs.caCertificate()));
        SSLEngine clientEngine = clientEngine(client().certificate(other.clientCertificate(), other.clientKey()),
            "localhost");
        assertThrows(SSLHandshakeException.class, () -> new InMemoryTls(clientEngine, serverEngine).handshake());
    }

    @Test
    void shouldAcceptClientWithoutCertificateWhenClientAuthOptional() throws SSLException {
        SSLEngine serverEngine = serverEngine(server().clientAuth(TlsConfig.ClientAuth.OPTIONAL)
            .trustCertificates(certs.caCertificate()));
        new InMemoryTls(clientEngine(client(), "localhost"), serverEngine).handshake();
        assertThrows(SSLPeerUnverifiedException.class, () -> serverEngine.getSession().getPeerCertificates());
    }

    @Test
    void shouldFailNamingBothPinsWhenPinDoesNotMatch() throws IOException {
        String otherPin = DevCertificates.generate(CN, dir.resolve("other")).serverPin();
        SSLEngine clientEngine = clientEngine(client().pins(otherPin), "localhost");
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(clientEngine, serverEngine(server())).handshake());
        assertTrue(e.getMessage().contains("pin mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("expected one of [" + otherPin + "]"), e.getMessage());
        assertTrue(e.getMessage().contains("presented " + certs.serverPin()), e.getMessage());
    }

    @Test
    void shouldAcceptWhenServerPinMatchesAndChainIsValid() throws SSLException {
        new InMemoryTls(clientEngine(client().pins(certs.serverPin()), "localhost"), serverEngine(server()))
            .handshake();
    }

    @Test
    void shouldAcceptWhenCaPinMatchesAndServerSendsOnlyItsCertificate() throws SSLException {
        X509Certificate ca = Pem.certificates(read(certs.caCertificate()), "ca", certs.caCertificate(),
            new ArrayList<>()).get(0);
        new InMemoryTls(clientEngine(client().pins(TlsContexts.pin(ca)), "localhost"), serverEngine(server()))
            .handshake();
    }

    @Test
    void shouldAcceptUntrustedServerWhenPinsReplaceChainValidation() throws SSLException {
        TlsConfig.Builder pinsOnly = TlsConfig.client().pins(certs.serverPin()).pinsOnly(true);
        new InMemoryTls(clientEngine(pinsOnly, "any-name.test"), serverEngine(server())).handshake();
    }

    @Test
    void shouldRefuseCaPinWhenPinsReplaceChainValidation() {
        X509Certificate ca = Pem.certificates(read(certs.caCertificate()), "ca", certs.caCertificate(),
            new ArrayList<>()).get(0);
        TlsConfig.Builder pinsOnly = TlsConfig.client().pins(TlsContexts.pin(ca)).pinsOnly(true);
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(clientEngine(pinsOnly, "localhost"), serverEngine(server())).handshake());
        assertTrue(e.getMessage().contains("presented " + certs.serverPin()), e.getMessage());
    }

    @Test
    void shouldNegotiateAllowedSuiteWhenClientOnlySpeaksTls12() throws SSLException {
        SSLEngine clientEngine = clientEngine(client().protocols("TLSv1.2"), "localhost");
        new InMemoryTls(clientEngine, serverEngine(server())).handshake();
        assertEquals("TLSv1.2", clientEngine.getSession().getProtocol());
        String suite = clientEngine.getSession().getCipherSuite();
        assertTrue(TlsContexts.TLS12_CIPHER_SUITES.contains(suite), suite);
        assertTrue(suite.startsWith("TLS_ECDHE_ECDSA_"), suite);
        assertEquals("netproto/1", clientEngine.getApplicationProtocol());
    }

    @Test
    void shouldNegotiateConfiguredSuiteWhenClientRestrictsSuites() throws SSLException {
        String suite = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
        SSLEngine clientEngine = clientEngine(client().protocols("TLSv1.2").cipherSuites(suite), "localhost");
        new InMemoryTls(clientEngine, serverEngine(server())).handshake();
        assertEquals(suite, clientEngine.getSession().getCipherSuite());
    }

    @Test
    void shouldEnableOnlyEcdheAeadSuitesWhenEnginesAreCreated() {
        TlsContext context = TlsContext.load(server().build());
        List<String> jdkDefaults = List.of(context.sslContext().getDefaultSSLParameters().getCipherSuites());
        assertTrue(jdkDefaults.contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"), "the JDK enables CBC by default");
        assertTrue(jdkDefaults.contains("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"), "the JDK enables DHE by default");
        for (SSLEngine engine : List.of(context.newEngine("127.0.0.1", 1), clientEngine(client(), "localhost"))) {
            assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(engine.getEnabledProtocols()));
            List<String> enabled = List.of(engine.getEnabledCipherSuites());
            assertFalse(enabled.isEmpty());
            for (String suite : enabled) {
                assertTrue(TlsContexts.ALLOWED_CIPHER_SUITES.contains(suite), suite);
                boolean tls13 = TlsContexts.TLS13_CIPHER_SUITES.contains(suite);
                assertTrue(tls13 || suite.startsWith("TLS_ECDHE_"), "not ECDHE: " + suite);
                assertTrue(suite.contains("_GCM_") || suite.contains("_CHACHA20_POLY1305_"), "not AEAD: " + suite);
            }
        }
    }

    @Test
    void shouldRefuseClientOfferingOnlyCbcSuiteWhenTls12() {
        SSLEngine raw = TlsContext.load(client().build()).sslContext().createSSLEngine("localhost", 7700);
        raw.setUseClientMode(true);
        raw.setEnabledProtocols(new String[] {"TLSv1.2"});
        raw.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
        assertThrows(SSLHandshakeException.class, () -> new InMemoryTls(raw, serverEngine(server())).handshake());
    }

    @Test
    void shouldFailClearlyWhenPeerNegotiatedNoApplicationProtocol() throws SSLException {
        TlsEngineFactory serverFactory = TlsContexts.create(server().build());
        SSLEngine serverEngine = serverFactory.newEngine("127.0.0.1", 50_000);
        SSLEngine raw = TlsContext.load(client().build()).sslContext().createSSLEngine("localhost", 7700);
        raw.setUseClientMode(true);

        new InMemoryTls(raw, serverEngine).handshake();

        assertEquals("", serverEngine.getApplicationProtocol());
        TlsException e = assertThrows(TlsException.class, () -> serverFactory.checkApplicationProtocol(serverEngine));
        assertTrue(e.getMessage().contains("127.0.0.1:50000"), e.getMessage());
        assertTrue(e.getMessage().contains("negotiated no application protocol"), e.getMessage());
        assertTrue(e.getMessage().contains("netproto/1"), e.getMessage());
        TlsContexts.checkApplicationProtocol(serverEngine, false);
    }

    @Test
    void shouldFailHandshakeWhenPeerOffersOnlyAnotherApplicationProtocol() {
        SSLEngine raw = TlsContext.load(client().build()).sslContext().createSSLEngine("localhost", 7700);
        raw.setUseClientMode(true);
        SSLParameters parameters = raw.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        raw.setSSLParameters(parameters);
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
            () -> new InMemoryTls(raw, serverEngine(server())).handshake());
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("application"), e.getMessage());
    }

    @Test
    void shouldRefuseAlpnCheckWhenHandshakeHasNotRun() {
        SSLEngine engine = serverEngine(server());
        assertThrows(IllegalStateException.class, () -> TlsContexts.checkApplicationProtocol(engine, true));
    }

    @Test
    void shouldRequireHostWhenClientVerifiesHostnames() {
        TlsEngineFactory factory = TlsContexts.create(client().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.newEngine(null, -1));
        assertTrue(e.getMessage().startsWith("peerHost"), e.getMessage());
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
