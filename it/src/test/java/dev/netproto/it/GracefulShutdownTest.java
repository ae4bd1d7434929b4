package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.NetprotoException;
import dev.netproto.api.Server;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class GracefulShutdownTest {

    @Test
    void shouldFinishOrTypeFailEveryRequestInFlightWhenShuttingDown() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        Server server = Server.builder().listen("tcp://127.0.0.1:0")
            .blockingRoute("work", (m, r) -> {
                entered.incrementAndGet();
                release.await();
                r.send(m.body());
            })
            .start();
        List<Client> clients = new ArrayList<>();
        List<CompletableFuture<Message>> futures = new ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) {
                clients.add(Client.connect(server.endpoints().get(0).toString(), ClientOptions.defaults()));
            }
            for (int i = 0; i < 1_000; i++) {
                futures.add(clients.get(i % 4).request("work", new byte[] {(byte) i}));
            }
            Conditions.await("1,000 requests in the handlers", Duration.ofSeconds(30), () -> entered.get() == 1_000);
            Thread closer = Thread.ofPlatform().start(() -> server.close(Duration.ofSeconds(10)));
            Conditions.await("every client told GOAWAY", Duration.ofSeconds(10),
                () -> clients.stream().noneMatch(Client::isOpen));
            ExecutionException refused = assertThrows(ExecutionException.class,
                () -> clients.get(0).request("work", new byte[1]).get(10, TimeUnit.SECONDS));
            ConnectionClosedException goAway = assertInstanceOf(ConnectionClosedException.class, refused.getCause());
            assertEquals(ErrorCode.SHUTTING_DOWN, goAway.code(), "no new request goes on a connection after GOAWAY");
            release.countDown();
            int answered = 0;
            for (CompletableFuture<Message> f : futures) {
                try {
                    f.get(20, TimeUnit.SECONDS);
                    answered++;
                } catch (ExecutionException e) {
                    assertInstanceOf(NetprotoException.class, e.getCause(), "only typed failures");
                }
            }
            assertEquals(1_000, answered, "the grace period was long enough for every request in flight");
            closer.join(20_000);
            assertTrue(!closer.isAlive(), "close returned once drained");
        } finally {
            release.countDown();
            clients.forEach(Client::close);
            server.close();
        }
    }

    @Test
    void shouldFailWhatIsLeftWithATypedExceptionWhenTheGracePeriodEnds() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        Server server = Server.builder().listen("tcp://127.0.0.1:0")
            .blockingRoute("stuck", (m, r) -> {
                entered.incrementAndGet();
                never.await();
                r.send(m.body());
            })
            .start();
        try (Client client = Client.connect(server.endpoints().get(0).toString(), ClientOptions.defaults())) {
            List<CompletableFuture<Message>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                futures.add(client.request("stuck", new byte[1]));
            }
            Conditions.await("100 requests in the handlers", Duration.ofSeconds(10), () -> entered.get() == 100);
            long start = System.nanoTime();
            server.close(Duration.ofMillis(500));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < 10_000, "close returns after the grace period, took " + tookMs + " ms");
            for (CompletableFuture<Message> f : futures) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
                assertEquals(ErrorCode.SHUTTING_DOWN, closed.code());
            }
        } finally {
            never.countDown();
        }
    }

    @Test
    void shouldAnswerRequestsThatArriveAfterGoAwayWithNotProcessed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Server server = Server.builder().listen("tcp://127.0.0.1:0")
            .blockingRoute("work", (m, r) -> {
                release.await();
                r.send(m.body());
            })
            .start();
        Thread closer = null;
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            peer.write(RawPeer.frame(RawPeer.REQUEST, 7, RawPeer.requestPayload("work", new byte[] {7})));
            Conditions.await("request 7 in flight", Duration.ofSeconds(10),
                () -> server.metrics().read(dev.netproto.api.spi.Metric.FRAMES_RECEIVED) == 2);
            closer = Thread.ofPlatform().start(() -> server.close(Duration.ofSeconds(10)));
            RawPeer.Frame goAway = peer.read();
            assertEquals(9, goAway.type(), "GOAWAY");
            assertEquals(7, java.nio.ByteBuffer.wrap(goAway.payload()).getInt(0), "last request id processed");
            peer.write(RawPeer.frame(RawPeer.REQUEST, 8, RawPeer.requestPayload("work", new byte[] {8})));
            RawPeer.Frame refused = peer.read();
            assertEquals(RawPeer.ERROR, refused.type());
            assertEquals(8, refused.requestId());
            assertEquals(ErrorCode.NOT_PROCESSED.code(), refused.code());
            release.countDown();
            RawPeer.Frame answered = peer.read();
            assertEquals(RawPeer.RESPONSE, answered.type());
            assertEquals(7, answered.requestId(), "the request in flight before GOAWAY still completes");
            peer.write(RawPeer.frame(RawPeer.CLOSE, 0, new byte[] {0, 0}));
            assertTrue(peer.closedByServer());
        } finally {
            release.countDown();
            if (closer != null) {
                closer.join(20_000);
            }
        }
    }

    @Test
    void shouldSendShuttingDownInGoAwayAndTreatEveryGoAwayCodeAlike() throws Exception {
        Server server = Server.builder().listen("tcp://127.0.0.1:0").route("echo", (m, r) -> r.send(m.body()))
            .start();
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            peer.write(RawPeer.frame(RawPeer.REQUEST, 7, RawPeer.requestPayload("echo", new byte[1])));
            assertEquals(RawPeer.RESPONSE, peer.read().type());
            Thread closer = Thread.ofPlatform().start(() -> server.close(Duration.ofSeconds(10)));
            RawPeer.Frame goAway = peer.read();
            assertEquals(RawPeer.GOAWAY, goAway.type());
            ByteBuffer payload = ByteBuffer.wrap(goAway.payload());
            assertEquals(7, payload.getInt(0), "last request id");
            assertEquals(ErrorCode.SHUTTING_DOWN.code(), payload.getShort(4), "the reference sends SHUTTING_DOWN");
            peer.write(RawPeer.frame(RawPeer.CLOSE, 0, new byte[] {0, 0}));
            closer.join(20_000);
        } finally {
            server.close();
        }
        // A client treats a code it does not know (or one of the request class) like any other: no new requests,
        // then CLOSE NORMAL once nothing is in flight; never an error.
        for (int code : new int[] {0xBEEF, ErrorCode.UNKNOWN_ROUTE.code(), ErrorCode.NORMAL.code()}) {
            try (RawServer raw = new RawServer(0)) {
                CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), ClientOptions.defaults());
                raw.acceptAndHello();
                try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                    CompletableFuture<Message> inFlight = client.request("echo", new byte[] {1});
                    RawPeer.Frame request = raw.read();
                    // Client metrics are those of the process-wide client loops: count what this test adds.
                    long errorsBefore = client.metrics().errors(ErrorCode.fromCode(code));
                    raw.write(RawPeer.frame(RawPeer.GOAWAY, 0, ByteBuffer.allocate(6 + 4)
                        .putInt(request.requestId()).putShort((short) code).put("odd!".getBytes()).array()));
                    Conditions.await("GOAWAY seen", Duration.ofSeconds(10), () -> !client.isOpen());
                    ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> client.request("echo", new byte[1]).get(10, TimeUnit.SECONDS));
                    assertEquals(ErrorCode.SHUTTING_DOWN,
                        assertInstanceOf(ConnectionClosedException.class, refused.getCause()).code());
                    raw.write(RawPeer.frame(RawPeer.RESPONSE, request.requestId(), new byte[] {1}));
                    assertEquals(1, inFlight.get(10, TimeUnit.SECONDS).bodyLength(), "code " + code);
                    RawPeer.Frame close = raw.read();
                    assertEquals(RawPeer.CLOSE, close.type(), "code " + code);
                    assertEquals(ErrorCode.NORMAL.code(), close.code(), close.text());
                    assertEquals(errorsBefore, client.metrics().errors(ErrorCode.fromCode(code)), "code " + code);
                }
            }
        }
    }
}
