package dev.netproto.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class TlsConfigTest {
    private static final String PIN = "sha256/" + "A".repeat(43) + "=";

    @TempDir
    Path dir;

    private static void assertProblem(List<String> problems, String key, String text) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(key + ": ") && p.contains(text)),
            () -> "no problem for " + key + " containing '" + text + "' in " + problems);
    }

    @Test
    void shouldReportEveryProblemAtOnceWhenServerSettingsAreInvalid() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TlsConfig.server()
            .clientAuth(TlsConfig.ClientAuth.REQUIRE)
            .pins(PIN)
            .serverName("example.test")
            .protocols("TLSv1.1")
            .cipherSuites("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384")
            .reloadInterval(Duration.ofSeconds(-1))
            .build());
        List<String> problems = e.problems();
        assertProblem(problems, "tls.certificate_chain", "a server needs certificate_chain and private_key");
        assertProblem(problems, "tls.client_auth", "REQUIRE needs trust_certificates or trust_store");
        assertProblem(problems, "tls.pins", "only clients");
        assertProblem(problems, "tls.server_name", "only clients");
        assertProblem(problems, "tls.protocols", "(TLSv1.1)");
        assertProblem(problems, "tls.cipher_suites", "(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256)");
        assertProblem(problems, "tls.cipher_suites", "(TLS_DHE_RSA_WITH_AES_256_GCM_SHA384)");
        assertProblem(problems, "tls.reload_interval", "must not be negative");
        assertEquals(8, problems.size(), problems::toString);
    }

    @Test
    void shouldReportEveryProblemAtOnceWhenClientSettingsAreInvalid() throws IOException {
        Path file = Files.writeString(dir.resolve("x.pem"), "x");
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TlsConfig.client()
            .certificate(file, null)
            .clientAuth(TlsConfig.ClientAuth.OPTIONAL)
            .serverName("127.0.0.1")
            .pins("sha1/abc", "sha256/tooShort")
            .trustCertificates(file)
            .pinsOnly(true)
            .build());
        List<String> problems = e.problems();
        assertProblem(problems, "tls.private_key", "required with certificate_chain");
        assertProblem(problems, "tls.client_auth", "only servers");
        assertProblem(problems, "tls.server_name", "not an IP address");
        assertProblem(problems, "tls.pins", "(sha1/abc)");
        assertProblem(problems, "tls.pins", "(sha256/tooShort)");
        assertProblem(problems, "tls.pins_only", "not used when pins replace chain validation");
        assertEquals(6, problems.size(), problems::toString);
    }

    @Test
    void shouldNameKeyWhenFileIsMissing() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TlsConfig.server()
            .certificate(dir.resolve("missing.pem"), dir.resolve("missing.key")).build());
        assertProblem(e.problems(), "tls.certificate_chain", "file not found");
        assertProblem(e.problems(), "tls.private_key", "file not found");
    }

    @Test
    void shouldRefuseBothKeyStoreAndPemWhenServerSetsBoth() throws IOException {
        Path file = Files.writeString(dir.resolve("x.pem"), "x");
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TlsConfig.server()
            .certificate(file, file).keyStore(file, null).build());
        assertProblem(e.problems(), "tls.key_store", "not both");
        assertProblem(e.problems(), "tls.key_store_password", "required with key_store");
    }

    @Test
    void shouldRefuseSuitesUnusableWithProtocolsWhenOnlyTls13IsEnabled() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TlsConfig.client()
            .protocols("TLSv1.3").cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").build());
        assertProblem(e.problems(), "tls.cipher_suites", "no suite usable with the enabled protocols");
    }

    @Test
    void shouldUseSafeDefaultsWhenClientIsBuilt() {
        TlsConfig config = TlsConfig.client().build();
        assertTrue(config.hostnameVerification());
        assertTrue(config.requireAlpn());
        assertFalse(config.pinsOnly());
        assertEquals(TlsConfig.ClientAuth.NONE, config.clientAuth());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), config.protocols());
        assertTrue(config.files().isEmpty());
    }

    @Test
    void shouldHidePasswordsWhenPrinted() throws IOException {
        Path store = Files.writeString(dir.resolve("store.p12"), "x");
        TlsConfig config = TlsConfig.server().keyStore(store, "hunter2").trustStore(store, "swordfish").build();
        assertFalse(config.toString().contains("hunter2"), config.toString());
        assertFalse(config.toString().contains("swordfish"), config.toString());
        assertEquals("hunter2", config.keyStorePassword());
    }

    @Test
    void shouldAcceptValidPinWhenItHas32Bytes() {
        assertTrue(TlsConfig.isPin(PIN));
        assertFalse(TlsConfig.isPin("sha256/" + "A".repeat(40)));
    }
}
