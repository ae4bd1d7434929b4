package dev.netproto.transport.tls;

import dev.netproto.testkit.RequiresProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ConfigurationException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class TlsContextTest {

    @TempDir
    Path dir;

    private TlsContext loadServer(Path chain, Path key) {
        return TlsContext.load(TlsConfig.server().certificate(chain, key).reloadInterval(Duration.ZERO).build());
    }

    private static String firstLine(Path file) throws Exception {
        return Files.readAllLines(file).get(0);
    }

    @Test
    void shouldLoadPkcs8KeyWhenPemHoldsPrivateKeyBlock() throws Exception {
        for (KeyPair keys : List.of(TestCertificates.ec(), TestCertificates.rsa())) {
            X509Certificate certificate = TestCertificates.selfSigned(keys);
            Path chain = TestCertificates.writePem(dir.resolve("cert.pem"), certificate);
            Path key = TestCertificates.writePkcs8(dir.resolve("key.pem"), keys.getPrivate());
            assertEquals("-----BEGIN PRIVATE KEY-----", firstLine(key));
            assertEquals(certificate, loadServer(chain, key).certificateChain().get(0));
        }
    }

    @Test
    void shouldLoadPkcs1RsaKeyAndHandshakeWhenPemHoldsRsaPrivateKeyBlock() throws Exception {
        KeyPair keys = TestCertificates.rsa();
        X509Certificate certificate = TestCertificates.selfSigned(keys);
        Path chain = TestCertificates.writePem(dir.resolve("cert.pem"), certificate);
        Path key = TestCertificates.writePem(dir.resolve("key.pem"), keys.getPrivate());
        assertEquals("-----BEGIN RSA PRIVATE KEY-----", firstLine(key));
        TlsContext server = loadServer(chain, key);

        SSLEngine client = TlsContext.load(TlsConfig.client().trustCertificates(chain).protocols("TLSv1.2")
            .reloadInterval(Duration.ZERO).build()).newEngine("localhost", 7700);
        new InMemoryTls(client, server.newEngine("127.0.0.1", 1)).handshake();
        assertTrue(client.getSession().getCipherSuite().startsWith("TLS_ECDHE_RSA_WITH_"),
            client.getSession().getCipherSuite());
    }

    @Test
    @RequiresProgram("openssl")
    void shouldLoadSec1EcKeyWhenPemHoldsEcPrivateKeyBlock() throws Exception {
        KeyPair keys = TestCertificates.ec();
        X509Certificate certificate = TestCertificates.selfSigned(keys);
        Path chain = TestCertificates.writePem(dir.resolve("cert.pem"), certificate);
        for (boolean withPublicKey : new boolean[] {true, false}) {
            Path key = TestCertificates.writeSec1(dir.resolve("key.pem"), keys, withPublicKey);
            assertEquals("-----BEGIN EC PRIVATE KEY-----", firstLine(key));
            TestCertificates.openssl(dir, "ec", "-in", "key.pem", "-noout", "-check");
            assertEquals(certificate, loadServer(chain, key).certificateChain().get(0));
        }
    }

    @Test
    @RequiresProgram("openssl")
    void shouldLoadOpensslKeysWhenParametersBlockPrecedesKey() throws Exception {
        TestCertificates.openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.key");
        assertEquals("-----BEGIN EC PARAMETERS-----", firstLine(dir.resolve("ec.key")));
        TestCertificates.openssl(dir, "req", "-new", "-x509", "-key", "ec.key", "-subj", "/CN=localhost", "-days", "1",
            "-out", "ec.pem");
        TestCertificates.openssl(dir, "genrsa", "-traditional", "-out", "rsa.key", "2048");
        assertEquals("-----BEGIN RSA PRIVATE KEY-----", firstLine(dir.resolve("rsa.key")));
        TestCertificates.openssl(dir, "req", "-new", "-x509", "-key", "rsa.key", "-subj", "/CN=localhost", "-days",
            "1", "-out", "rsa.pem");

        assertEquals("CN=localhost", loadServer(dir.resolve("ec.pem"), dir.resolve("ec.key")).certificateChain()
            .get(0).getSubjectX500Principal().getName());
        assertEquals("CN=localhost", loadServer(dir.resolve("rsa.pem"), dir.resolve("rsa.key")).certificateChain()
            .get(0).getSubjectX500Principal().getName());
    }

    @Test
    @RequiresProgram("openssl")
    void shouldRefuseEncryptedKeyWhenPemIsEncrypted() throws Exception {
        DevCertificates certs = DevCertificates.generate("localhost", dir);
        TestCertificates.openssl(dir, "pkcs8", "-topk8", "-in", "server.key", "-out", "encrypted.key", "-v2",
            "aes-256-cbc", "-passout", "pass:secret");
        ConfigurationException e = assertThrows(ConfigurationException.class,
            () -> loadServer(certs.serverCertificate(), dir.resolve("encrypted.key")));
        assertTrue(e.problems().get(0).startsWith("tls.private_key: the private key is encrypted"), e.getMessage());
    }

    @Test
    void shouldNameKeyWhenKeyBelongsToAnotherCertificate() throws Exception {
        DevCertificates certs = DevCertificates.generate("localhost", dir);
        ConfigurationException e = assertThrows(ConfigurationException.class,
            () -> loadServer(certs.serverCertificate(), certs.clientKey()));
        assertEquals(1, e.problems().size(), e::getMessage);
        assertTrue(e.problems().get(0).startsWith("tls.private_key: the key does not belong to the first"
            + " certificate"), e.getMessage());
    }

    @Test
    void shouldReportEveryMaterialProblemWhenFilesAreNotPem() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not pem at all\n");
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> TlsContext.load(TlsConfig.server()
            .certificate(garbage, garbage).trustCertificates(garbage).clientAuth(TlsConfig.ClientAuth.REQUIRE)
            .build()));
        List<String> problems = e.problems();
        assertEquals(3, problems.size(), e::getMessage);
        assertTrue(problems.get(0).startsWith("tls.certificate_chain: no CERTIFICATE block"), e.getMessage());
        assertTrue(problems.get(1).startsWith("tls.private_key: no PRIVATE KEY"), e.getMessage());
        assertTrue(problems.get(2).startsWith("tls.trust_certificates: no CERTIFICATE block"), e.getMessage());
    }

    @Test
    void shouldLoadKeyStoreWhenStoreIsPkcs12OrJks() throws Exception {
        DevCertificates certs = DevCertificates.generate("localhost", dir);
        List<String> problems = new ArrayList<>();
        PrivateKey key = Pem.privateKey(Files.readAllBytes(certs.serverKey()), "key", certs.serverKey(), problems);
        List<X509Certificate> chain = Pem.certificates(Files.readAllBytes(certs.serverCertificate()), "chain",
            certs.serverCertificate(), problems);
        X509Certificate ca = Pem.certificates(Files.readAllBytes(certs.caCertificate()), "ca", certs.caCertificate(),
            problems).get(0);
        assertEquals(List.of(), problems);
        for (String type : List.of("PKCS12", "JKS")) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(null, null);
            store.setKeyEntry("server", key, "secret".toCharArray(), chain.toArray(Certificate[]::new));
            Path storeFile = dir.resolve("server." + type);
            try (OutputStream out = Files.newOutputStream(storeFile)) {
                store.store(out, "secret".toCharArray());
            }
            KeyStore trust = KeyStore.getInstance(type);
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            Path trustFile = dir.resolve("trust." + type);
            try (OutputStream out = Files.newOutputStream(trustFile)) {
                trust.store(out, "public".toCharArray());
            }

            TlsContext server = TlsContext.load(TlsConfig.server().keyStore(storeFile, "secret")
                .reloadInterval(Duration.ZERO).build());
            assertEquals(chain, server.certificateChain(), type);
            SSLEngine client = TlsContext.load(TlsConfig.client().trustStore(trustFile, "public")
                .reloadInterval(Duration.ZERO).build()).newEngine("localhost", 7700);
            new InMemoryTls(client, server.newEngine("127.0.0.1", 1)).handshake();
        }
    }

    @Test
    void shouldNamePasswordKeyWhenKeyStorePasswordIsWrong() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        Path storeFile = dir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(storeFile)) {
            store.store(out, "secret".toCharArray());
        }
        ConfigurationException e = assertThrows(ConfigurationException.class,
            () -> TlsContext.load(TlsConfig.server().keyStore(storeFile, "wrong").build()));
        assertTrue(e.problems().get(0).startsWith("tls.key_store_password: wrong password"), e.getMessage());
    }

    @Test
    void shouldCreateReloadingFactoryOnlyWhenIntervalIsPositive() throws Exception {
        DevCertificates certs = DevCertificates.generate("localhost", dir);
        TlsConfig.Builder server = TlsConfig.server().certificate(certs.serverCertificate(), certs.serverKey());
        assertInstanceOf(ReloadingTlsContext.class, TlsContexts.create(server.build()));
        assertInstanceOf(TlsContext.class, TlsContexts.create(server.reloadInterval(Duration.ZERO).build()));
        assertInstanceOf(TlsContext.class, TlsContexts.create(TlsConfig.client().build()), "no files to watch");
    }
}
