package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Message;
import dev.netproto.api.Security;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContext;
import dev.netproto.transport.tls.TlsContexts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    /**
     * Records arriving in pieces while a frame cut by a record boundary waits in a small buffer: the engine refuses
     * to unwrap into a buffer smaller than a record even before the record is complete, and the layer must then
     * read the socket rather than report no data (which once left such a connection stalled for good).
     */
    @Test
    void shouldReadRecordsThatArriveInPiecesWhileAFrameWaitsInASmallBuffer() throws Exception {
        try (ChunkingRelay relay = new ChunkingRelay(server.endpoints().get(0).port(), 97);
             Client client = Client.connect("tls://127.0.0.1:" + relay.port(), clientOptions())) {
            List<CompletableFuture<Message>> futures = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                futures.add(client.request("echo", ByteBuffer.allocate(4).putInt(0, i)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(i, futures.get(i).get(30, TimeUnit.SECONDS).body().getInt(0));
            }
        }
    }
}
