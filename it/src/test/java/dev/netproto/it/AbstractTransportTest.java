package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every transport must share, written once; each transport runs it by extending this class (as
 * Netty's testsuite does per transport): echo, multiplexing, large frames, malformed input, graceful close.
 */
@Timeout(60)
abstract class AbstractTransportTest {
    protected Server server;
    protected String uri;

    /** Where the server listens, such as {@code tcp://127.0.0.1:0}. */
    protected abstract String listenUri() throws IOException;

    /** A blocking raw channel to the server, for writing bytes no correct client would. */
    protected abstract ByteChannel rawConnect() throws IOException;

    /** The server's security; TLS overrides it. */
    protected Security serverSecurity() throws IOException {
        return Security.none();
    }

    /** The client's options; TLS overrides them to add its security. */
    protected ClientOptions clientOptions() {
        return ClientOptions.defaults();
    }

    @BeforeEach
    void startServer() throws IOException {
        server = Server.builder().listen(listenUri()).eventLoops(2).security(serverSecurity())
            .route("echo", (m, r) -> r.send(m.body()))
            .start();
        uri = server.endpoints().get(0).toString();
    }

    @AfterEach
    void stopServer() {
        server.close(Duration.ofSeconds(2));
    }

    @Test
    void shouldEcho() throws Exception {
        try (Client client = Client.connect(uri, clientOptions())) {
            assertEquals("over " + uri, client.request("echo", ("over " + uri).getBytes()).get(10, TimeUnit.SECONDS)
                .bodyText());
        }
    }

    @Test
    void shouldMultiplexThousandsOfRequestsOnOneConnection() throws Exception {
        try (Client client = Client.connect(uri, clientOptions())) {
            List<CompletableFuture<Message>> futures = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                futures.add(client.request("echo", ByteBuffer.allocate(4).putInt(0, i)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(i, futures.get(i).get(30, TimeUnit.SECONDS).body().getInt(0));
            }
        }
    }

    @Test
    void shouldCarryLargeFrames() throws Exception {
        try (Client client = Client.connect(uri, clientOptions())) {
            byte[] body = new byte[16 * 1024 * 1024 - 6];
            new Random(5).nextBytes(body);
            assertArrayEquals(body, client.request("echo", body).get(30, TimeUnit.SECONDS).bodyBytes());
        }
    }

    /**
     * Many 16 KiB-sized echoes in flight on one connection, so that reads cut frames: the cut ones are answered from
     * their own spill buffers where frames travel in the clear, and copied where they are sealed.
     */
    @Test
    void shouldEchoManyLargeRequestsInFlight() throws Exception {
        try (Client client = Client.connect(uri, clientOptions())) {
            Random random = new Random(14);
            // In rounds of 32 (512 KiB), under the client's high watermark of 1 MiB.
            for (int round = 0; round < 10; round++) {
                List<CompletableFuture<Message>> futures = new ArrayList<>();
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    byte[] body = new byte[16_364 + (round * 32 + i) % 41];
                    random.nextBytes(body);
                    bodies.add(body);
                    futures.add(client.request("echo", body));
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(bodies.get(i), futures.get(i).get(30, TimeUnit.SECONDS).bodyBytes(),
                        "request " + i + " of round " + round);
                }
            }
        }
    }

    @Test
    void shouldCloseOnMalformedInputAndKeepServing() throws Exception {
        try (Client good = Client.connect(uri, clientOptions());
             ByteChannel raw = rawConnect()) {
            raw.write(ByteBuffer.wrap(RawPeer.frame(0xBEEF, 1, RawPeer.HELLO, 0, 0, 0, new byte[0])));
            RawPeer.Frame close = readFrame(raw);
            assertEquals(RawPeer.CLOSE, close.type());
            assertEquals(ErrorCode.BAD_MAGIC.code(), close.code());
            assertEquals(1, server.metrics().errors(ErrorCode.BAD_MAGIC));
            assertEquals(3, good.request("echo", new byte[3]).get(10, TimeUnit.SECONDS).bodyLength());
        }
    }

    @Test
    void shouldCloseGracefullyWithRequestsAnswered() throws Exception {
        try (Client client = Client.connect(uri, clientOptions())) {
            List<CompletableFuture<Message>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                futures.add(client.request("echo", new byte[] {(byte) i}));
            }
            for (CompletableFuture<Message> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
            server.close(Duration.ofSeconds(5));
            Conditions.await("the client saw the server go", Duration.ofSeconds(10), () -> !client.isOpen());
            assertEquals(0, server.metrics().read(Metric.CONNECTIONS_ACTIVE));
            assertEquals(0, server.metrics().read(Metric.BUFFERS_IN_USE));
        }
    }

    /** Reads one frame from a blocking channel. */
    static RawPeer.Frame readFrame(ByteChannel channel) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16);
        readFully(channel, header);
        ByteBuffer payload = ByteBuffer.allocate(header.getInt(12));
        readFully(channel, payload);
        return new RawPeer.Frame(header.get(3), header.getInt(8), payload.array());
    }

    private static void readFully(ByteChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("end of stream after " + b.position() + " of " + b.limit() + " bytes");
            }
        }
        b.flip();
    }
}
