package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AdmissionOptions;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContext;
import dev.netproto.transport.tls.TlsContexts;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.file.Path;
import java.time.Duration;
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
     * Over TLS nothing can be said before the handshake, and the point of the per-source rate is to spend nothing on
     * one: a connection over its source's rate is closed at accept, before a single byte either way.
     */
    @Test
    void shouldCloseAConnectionOverItsSourcesRateBeforeAnyTlsWork() throws Exception {
        Server limited = Server.builder().listen("tls://127.0.0.1:0").clock(new ManualClock())
            .security(serverSecurity()).admission(AdmissionOptions.builder().sourceConnectionRate(1, 1).build())
            .route("echo", (m, r) -> r.send(m.body())).start();
        Endpoint e = limited.endpoints().get(0);
        try (Client first = Client.connect(e.toString(), clientOptions())) {
            assertEquals(1, first.request("echo", new byte[1]).get(10, TimeUnit.SECONDS).bodyLength());
            try (Socket raw = new Socket(e.host(), e.port())) {
                raw.setSoTimeout(10_000);
                assertEquals(-1, raw.getInputStream().read(), "closed without a byte");
            }
            ConnectionClosedException refused = assertThrows(ConnectionClosedException.class,
                () -> Client.connect(e.toString(), clientOptions()));
            assertEquals(ErrorCode.HANDSHAKE_FAILED, refused.code(), refused.getMessage());
            assertTrue(refused.getMessage().contains("the peer closed the connection during the TLS handshake"),
                refused.getMessage());
            assertEquals(2, limited.metrics().errors(ErrorCode.TOO_MANY_CONNECTIONS));
            assertEquals(1, first.request("echo", new byte[1]).get(10, TimeUnit.SECONDS).bodyLength(),
                "the admitted client is still served");
        } finally {
            limited.close(Duration.ofSeconds(2));
        }
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
