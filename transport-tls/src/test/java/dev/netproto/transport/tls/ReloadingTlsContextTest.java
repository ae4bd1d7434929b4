package dev.netproto.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ReloadingTlsContextTest {

    @TempDir
    Path dir;

    @TempDir
    Path keep;

    private DevCertificates certs;

    @BeforeEach
    void generateCertificates() throws IOException {
        certs = DevCertificates.generate("first.test", dir);
    }

    private ReloadingTlsContext server(Duration interval) {
        return ReloadingTlsContext.load(TlsConfig.server().certificate(certs.serverCertificate(), certs.serverKey())
            .reloadInterval(interval).build());
    }

    private static String presented(SSLEngine serverEngine, Path trustedCa) throws SSLException {
        SSLEngine client = TlsContext.load(TlsConfig.client().trustCertificates(trustedCa)
            .reloadInterval(Duration.ZERO).build()).newEngine("localhost", 7700);
        new InMemoryTls(client, serverEngine).handshake();
        return ((X509Certificate) client.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    @Test
    void shouldPresentNewCertificateToNewEnginesOnlyWhenFilesAreRewritten() throws IOException {
        ReloadingTlsContext context = server(Duration.ofNanos(1));
        Path firstCa = Files.copy(certs.caCertificate(), keep.resolve("first-ca.pem"));
        SSLEngine before = context.newEngine("127.0.0.1", 1);

        DevCertificates.generate("second-rotated.test", dir);
        SSLEngine after = context.newEngine("127.0.0.1", 2);

        assertEquals("CN=second-rotated.test", presented(after, certs.caCertificate()));
        assertEquals("CN=first.test", presented(before, firstCa), "an engine made before keeps its certificate");
        assertEquals(0, context.failedReloads());
    }

    @Test
    void shouldKeepOldCertificateAndWarnOnceWhenNewKeyIsBad() throws IOException {
        ReloadingTlsContext context = server(Duration.ofNanos(1));
        TlsContext original = context.current();

        Files.writeString(certs.serverKey(), "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        SSLEngine engine = context.newEngine("127.0.0.1", 1);
        context.newEngine("127.0.0.1", 2);
        context.newEngine("127.0.0.1", 3);

        assertSame(original, context.current());
        assertEquals(1, context.failedReloads(), "one WARN per bad version of the files");
        assertEquals("CN=first.test", presented(engine, certs.caCertificate()));

        DevCertificates.generate("third.test", dir);
        SSLEngine repaired = context.newEngine("127.0.0.1", 4);
        assertNotSame(original, context.current());
        assertEquals("CN=third.test", presented(repaired, certs.caCertificate()));
        assertEquals(1, context.failedReloads());
    }

    @Test
    void shouldNotReloadWhenFilesAreTouchedWithoutChange() throws IOException {
        ReloadingTlsContext context = server(Duration.ofNanos(1));
        TlsContext original = context.current();
        Files.setLastModifiedTime(certs.serverKey(), FileTime.from(Instant.now().plusSeconds(5)));
        context.newEngine("127.0.0.1", 1);
        assertSame(original, context.current());
        assertFalse(context.checkNow());
        assertEquals(0, context.failedReloads());
    }

    @Test
    void shouldIgnoreChangesWithinIntervalWhenCheckIsNotForced() throws IOException {
        ReloadingTlsContext context = server(Duration.ofHours(1));
        TlsContext original = context.current();
        DevCertificates.generate("second.test", dir);

        context.newEngine("127.0.0.1", 1);
        assertSame(original, context.current(), "checked at most once per interval");

        assertTrue(context.checkNow());
        assertEquals("CN=second.test",
            context.current().certificateChain().get(0).getSubjectX500Principal().getName());
        assertFalse(context.checkNow(), "nothing changed since");
    }
}
