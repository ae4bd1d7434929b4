package dev.netproto.transport.tls;

import dev.netproto.testkit.RequiresProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DevCertificatesTest {

    @TempDir
    Path dir;

    private static X509Certificate certificate(Path file) throws Exception {
        List<String> problems = new ArrayList<>();
        List<X509Certificate> certificates = Pem.certificates(Files.readAllBytes(file), "file", file, problems);
        assertEquals(List.of(), problems);
        return certificates.get(0);
    }

    @Test
    void shouldWriteKeysOwnerOnlyWhenGenerating() throws Exception {
        DevCertificates certs = DevCertificates.generate("node.test", dir.resolve("out"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.serverKey())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.clientKey())));
        assertEquals("rw-r--r--",
            PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.serverCertificate())));
        try (var files = Files.list(dir.resolve("out"))) {
            assertEquals(List.of("ca.pem", "client.key", "client.pem", "server.key", "server.pem"),
                files.map(f -> f.getFileName().toString()).sorted().toList(), "no temporary file left behind");
        }
    }

    @Test
    void shouldChainToCaWithServerNamesWhenGenerated() throws Exception {
        DevCertificates certs = DevCertificates.generate("node.test", dir);
        X509Certificate ca = certificate(certs.caCertificate());
        X509Certificate server = certificate(certs.serverCertificate());
        X509Certificate client = certificate(certs.clientCertificate());
        server.verify(ca.getPublicKey());
        client.verify(ca.getPublicKey());
        assertEquals(0, ca.getBasicConstraints());
        assertEquals(-1, server.getBasicConstraints());
        assertEquals("CN=node.test", server.getSubjectX500Principal().getName());
        assertEquals("EC", server.getPublicKey().getAlgorithm());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), server.getExtendedKeyUsage());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), client.getExtendedKeyUsage());
        List<String> names = new ArrayList<>();
        for (List<?> name : server.getSubjectAlternativeNames()) {
            names.add(name.get(0) + ":" + name.get(1));
        }
        assertEquals(List.of("2:node.test", "2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1"), names);
        assertEquals(TlsContexts.pin(server), certs.serverPin());
    }

    @Test
    void shouldUseIpNameWhenCommonNameIsIpAddress() throws Exception {
        DevCertificates certs = DevCertificates.generate("10.1.2.3", dir);
        Collection<List<?>> names = certificate(certs.serverCertificate()).getSubjectAlternativeNames();
        assertTrue(names.contains(List.of(7, "10.1.2.3")), names::toString);
    }

    @Test
    void shouldRefuseCommonNameWhenNotHostName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> DevCertificates.generate("bad name", dir));
        assertTrue(e.getMessage().startsWith("cn:"), e.getMessage());
    }

    @Test
    @RequiresProgram("openssl")
    void shouldPrintSubjectAltNamesWhenOpensslReadsServerCertificate() throws Exception {
        DevCertificates.generate("node.test", dir);
        String output = TestCertificates.openssl(dir, "x509", "-in", "server.pem", "-noout", "-subject", "-ext",
            "subjectAltName");
        assertTrue(output.contains("subject=CN = node.test"), output);
        assertTrue(output.contains("DNS:node.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
            output);
    }

    @Test
    @RequiresProgram("openssl")
    void shouldVerifyWithOpensslWhenCaIsTrusted() throws Exception {
        DevCertificates.generate("node.test", dir);
        String server = TestCertificates.openssl(dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver",
            "server.pem");
        assertTrue(server.contains("server.pem: OK"), server);
        String client = TestCertificates.openssl(dir, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient",
            "client.pem");
        assertTrue(client.contains("client.pem: OK"), client);
        String key = TestCertificates.openssl(dir, "pkey", "-in", "server.key", "-noout", "-text");
        assertTrue(key.contains("prime256v1") || key.contains("P-256"), key);
    }
}
