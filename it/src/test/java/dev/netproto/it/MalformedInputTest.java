package dev.netproto.it;

import static dev.netproto.it.RawPeer.HELLO;
import static dev.netproto.it.RawPeer.MAGIC;
import static dev.netproto.it.RawPeer.REQUEST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each test sends one kind of bad input from a raw socket while a well-behaved client keeps making requests on
 * another connection. The bad connection must end with the specific code (in a CLOSE frame where the peer can
 * still read one, and always in the error listener, which receives exactly what is logged), and the good client
 * must see no failure.
 */
@Timeout(60)
class MalformedInputTest {
    /** One recorded connection error, as the listener (and the log line) reports it. */
    record Reported(String connection, ErrorCode code, String reason) {
    }

    private final ConcurrentLinkedQueue<Reported> reported = new ConcurrentLinkedQueue<>();
    private Server server;
    private Endpoint endpoint;
    private Client good;
    private Thread goodTraffic;
    private final AtomicBoolean stopTraffic = new AtomicBoolean();
    private final AtomicLong goodAnswers = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> goodFailures = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(2).maxFrameLength(64 * 1024)
            .route("echo", (m, r) -> r.send(m.body()))
            .onConnectionError((c, code, reason) -> reported.add(new Reported(c, code, reason)))
            .start();
        endpoint = server.endpoints().get(0);
        good = Client.connect(endpoint.toString(), ClientOptions.defaults());
        goodTraffic = Thread.ofPlatform().name("good-client").start(this::runGoodTraffic);
    }

    /** Keeps up to 8 requests in flight until told to stop; records any failure. */
    private void runGoodTraffic() {
        byte[] body = "fine".getBytes(StandardCharsets.UTF_8);
        while (!stopTraffic.get()) {
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batch.add(good.request("echo", body).whenComplete((m, e) -> {
                    if (e != null) {
                        goodFailures.add(e);
                    } else {
                        goodAnswers.incrementAndGet();
                    }
                }));
            }
            try {
                CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                goodFailures.add(e);
                return;
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        long before = goodAnswers.get();
        Conditions.await("the good client still gets answers", Duration.ofSeconds(10),
            () -> goodAnswers.get() > before + 16);
        stopTraffic.set(true);
        goodTraffic.join(10_000);
        good.close();
        server.close();
        assertTrue(goodFailures.isEmpty(), () -> "the good client failed: " + goodFailures);
    }

    private Reported awaitReport(ErrorCode code) throws InterruptedException {
        Conditions.await(code + " reported", Duration.ofSeconds(10),
            () -> reported.stream().anyMatch(r -> r.code() == code));
        Reported r = reported.stream().filter(x -> x.code() == code).findFirst().orElseThrow();
        assertTrue(server.metrics().errors(code) >= 1, "error counter for " + code);
        return r;
    }

    private static void assertNamesPeer(Reported r, RawPeer peer) {
        assertTrue(r.connection().contains("127.0.0.1:" + peer.localPort()), r.connection());
    }

    @Test
    void shouldCloseWithBadMagic() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(0xCAFE, 1, HELLO, 0, 0, 0, new byte[0]));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.BAD_MAGIC.code(), close.code());
            assertTrue(close.text().contains("0xcafe"), close.text());
            Reported r = awaitReport(ErrorCode.BAD_MAGIC);
            assertNamesPeer(r, peer);
            assertTrue(peer.closedByServer());
        }
    }

    @Test
    void shouldCloseWithUnsupportedVersion() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(MAGIC, 9, HELLO, 0, 0, 0, new byte[0]));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.UNSUPPORTED_VERSION.code(), close.code());
            assertTrue(close.text().contains("version 9"), close.text());
            assertNamesPeer(awaitReport(ErrorCode.UNSUPPORTED_VERSION), peer);
        }
    }

    @Test
    void shouldRefuseAnOversizeLengthBeforeReadingTheBody() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            // Only the header: the body is never sent, so an answer proves the length was refused up front.
            peer.write(RawPeer.frame(MAGIC, 1, REQUEST, 0, 1, 1 << 30, new byte[0]));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), close.code());
            assertTrue(close.text().contains("1073741824 bytes exceeds the maximum of 65536"), close.text());
            assertNamesPeer(awaitReport(ErrorCode.FRAME_TOO_LARGE), peer);
            assertTrue(peer.closedByServer());
        }
    }

    @Test
    void shouldRefuseALengthJustOverTheConfiguredMaximum() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            peer.write(RawPeer.frame(MAGIC, 1, REQUEST, 0, 1, 64 * 1024 + 1, new byte[0]));
            assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), peer.readClose().code());
        }
    }

    @Test
    void shouldRefuseALargeFrameBeforeHello() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(MAGIC, 1, HELLO, 0, 0, 1 << 20, new byte[0]));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), close.code());
            assertTrue(close.text().contains("before HELLO"), close.text());
        }
    }

    @Test
    void shouldReportATruncatedFrameWhenThePeerCloses() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            byte[] frame = RawPeer.frame(REQUEST, 1, RawPeer.requestPayload("echo", new byte[1000]));
            peer.write(java.util.Arrays.copyOf(frame, 500));
            peer.shutdownOutput();
            Reported r = awaitReport(ErrorCode.TRUNCATED_FRAME);
            assertNamesPeer(r, peer);
            assertTrue(r.reason().contains("after 500 of 1021 bytes"), r.reason());
        }
    }

    @Test
    void shouldCloseOnRandomGarbage() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[256];
            random.nextBytes(garbage);
            try (RawPeer peer = new RawPeer(endpoint)) {
                peer.write(garbage);
                assertTrue(peer.closedByServer(), "garbage run " + i);
            }
        }
        Conditions.await("every garbage connection reported", Duration.ofSeconds(10), () -> reported.size() >= 20);
        assertTrue(reported.stream().allMatch(r -> r.code().isConnectionLevel()), reported::toString);
    }

    @Test
    void shouldRefuseARequestBeforeHello() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(REQUEST, 1, RawPeer.requestPayload("echo", new byte[4])));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.UNEXPECTED_FRAME.code(), close.code());
            assertTrue(close.text().contains("REQUEST frame not allowed in state AWAIT_HELLO"), close.text());
            assertEquals(1, server.metrics().read(Metric.HANDSHAKES_FAILED));
        }
    }

    @Test
    void shouldRefuseAMalformedHello() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(HELLO, 0, new byte[] {0, 1, 0, 9, 1}));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), close.code());
            assertTrue(close.text().contains("claims 9 bytes"), close.text());
        }
    }

    @Test
    void shouldRefuseHelloWithNoCommonSecurity() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(HELLO, 0, RawPeer.helloPayload(1 << 20, "noise", "tls")));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.NEGOTIATION_FAILED.code(), close.code());
            assertTrue(close.text().contains("peer offers [noise, tls], this side requires 'none'"), close.text());
        }
    }

    @Test
    void shouldRefuseARouteLengthBeyondThePayload() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            peer.write(RawPeer.frame(REQUEST, 1, new byte[] {40, 'e', 'c', 'h', 'o'}));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), close.code());
            assertTrue(close.text().contains("route length 40"), close.text());
        }
    }

    @Test
    void shouldRefuseUnknownFlagsAndRequestIdMisuse() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            peer.write(RawPeer.frame(MAGIC, 1, REQUEST, 0x80, 1, 5, RawPeer.requestPayload("echo", new byte[0])));
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), peer.readClose().code());
        }
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            peer.write(RawPeer.frame(REQUEST, 0, RawPeer.requestPayload("echo", new byte[0])));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), close.code());
            assertTrue(close.text().contains("REQUEST frame with request id 0"), close.text());
        }
    }

    @Test
    void shouldAnswerPingAndServeARawRequestSplitAcrossWrites() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.handshake();
            peer.write(RawPeer.frame(RawPeer.PING, 0, ByteBuffer.allocate(8).putLong(0, 0x1122334455667788L).array()));
            RawPeer.Frame pong = peer.read();
            assertEquals(RawPeer.PONG, pong.type());
            assertEquals(0x1122334455667788L, ByteBuffer.wrap(pong.payload()).getLong());
            byte[] frame = RawPeer.frame(REQUEST, 77, RawPeer.requestPayload("echo", "split".getBytes()));
            for (byte b : frame) {
                peer.write(new byte[] {b});
            }
            RawPeer.Frame response = peer.read();
            assertEquals(RawPeer.RESPONSE, response.type());
            assertEquals(77, response.requestId());
            assertEquals("split", new String(response.payload(), StandardCharsets.UTF_8));
        }
        assertTrue(reported.isEmpty(), reported::toString);
    }

    @Test
    void shouldFailNegotiationOnAnEmptyVersionOrSecurityList() throws Exception {
        byte[] max = RawPeer.option(2, RawPeer.u32(1 << 20));
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(HELLO, 0, RawPeer.concat(RawPeer.option(1, new byte[0]), max,
                RawPeer.option(3, RawPeer.names("none")))));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.NEGOTIATION_FAILED.code(), close.code(), close.text());
            assertTrue(close.text().contains("no common protocol version: peer offers [], this side speaks [1]"),
                close.text());
        }
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(HELLO, 0, RawPeer.concat(RawPeer.option(1, new byte[] {1}), max,
                RawPeer.option(3, new byte[0]))));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.NEGOTIATION_FAILED.code(), close.code(), close.text());
            assertTrue(close.text().contains("no common security: peer offers [], this side requires 'none'"),
                close.text());
        }
    }

    @Test
    void shouldSkipUnknownHelloOptionsEvenWhenRepeated() throws Exception {
        try (RawPeer peer = new RawPeer(endpoint)) {
            peer.write(RawPeer.frame(HELLO, 0, RawPeer.concat(RawPeer.option(0x7777, new byte[] {1, 2, 3}),
                RawPeer.helloPayload(1 << 20, "none"), RawPeer.option(0x7777, new byte[] {4}),
                RawPeer.option(0x7777, new byte[0]), RawPeer.option(0xFFFF, new byte[0]))));
            RawPeer.Frame hello = peer.read();
            assertEquals(HELLO, hello.type(), () -> "answered " + hello.type() + ": " + hello.text());
            peer.write(RawPeer.frame(REQUEST, 5, RawPeer.requestPayload("echo", "after".getBytes())));
            RawPeer.Frame response = peer.read();
            assertEquals(RawPeer.RESPONSE, response.type());
            assertEquals("after", new String(response.payload(), StandardCharsets.UTF_8));
        }
        assertTrue(reported.isEmpty(), reported::toString);
    }
}
