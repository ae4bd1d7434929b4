package dev.netproto.it;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Security;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContext;
import dev.netproto.transport.tls.TlsContexts;
import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The shared transport suite over TLS on IPv4 loopback, with development certificates made for the run. */
class TlsTransportTest extends AbstractTransportTest {
    @TempDir
    static Path dir;
    static DevCertificates certificates;

    @BeforeAll
    static void makeCertificates() throws IOException {
        certificates = DevCertificates.generate("localhost", dir);
    }

    @Override
    protected String listenUri() {
        return "tls://127.0.0.1:0";
    }

    @Override
    protected Security serverSecurity() {
        return Security.tls(TlsContexts.create(TlsConfig.server()
            .certificate(certificates.serverCertificate(), certificates.serverKey()).build()));
    }

    @Override
    protected ClientOptions clientOptions() {
        return ClientOptions.builder().security(Security.tls(TlsContexts.create(clientConfig()))).build();
    }

    private static TlsConfig clientConfig() {
        return TlsConfig.client().trustCertificates(certificates.caCertificate()).build();
    }

    @Override
    protected ByteChannel rawConnect() throws IOException {
        Endpoint e = server.endpoints().get(0);
        return TlsSockets.open(TlsContext.load(clientConfig()).sslContext(), e.host(), e.port(), true);
    }
}
