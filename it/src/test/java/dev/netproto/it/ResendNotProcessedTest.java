package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.ReconnectPolicy;
import dev.netproto.api.RemoteException;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request answered NOT_PROCESSED was not processed (docs/PROTOCOL.md section 6), so a client that reconnects sends
 * it again on its next connection, a bounded number of times; a client that does not hands the answer to the
 * caller. Client metrics are those of the process-wide client loops: the tests count what they add.
 */
@Timeout(60)
class ResendNotProcessedTest {
    /** {@code CoreClient.MAX_RESENDS}. */
    private static final int MAX_RESENDS = 3;

    private static ClientOptions reconnecting(int queueLimit) {
        return ClientOptions.builder()
            .reconnect(ReconnectPolicy.exponential(1_000, Duration.ofMillis(5), Duration.ofMillis(50), queueLimit))
            .build();
    }

    private static byte[] notProcessed() {
        byte[] text = "arrived after GOAWAY".getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + text.length).putShort((short) ErrorCode.NOT_PROCESSED.code()).put(text).array();
    }

    /** Reads frames until a REQUEST (a reconnecting client may send CLOSE on the connection it leaves). */
    private static RawPeer.Frame readRequest(RawServer raw) throws Exception {
        RawPeer.Frame f = raw.read();
        assertEquals(RawPeer.REQUEST, f.type(), "expected a REQUEST, got " + f);
        return f;
    }

    @Test
    void shouldCompleteWithTheNextConnectionsAnswerWhenNotProcessedAndReconnecting() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            raw.acceptTimeout(Duration.ofSeconds(20));
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), reconnecting(16));
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                long resentBefore = client.metrics().read(Metric.REQUESTS_RESENT);
                CompletableFuture<Message> answer = client.request("echo", new byte[] {42});
                RawPeer.Frame first = readRequest(raw);
                raw.write(RawPeer.frame(RawPeer.ERROR, first.requestId(), notProcessed()));
                raw.dropConnection();

                raw.acceptAndHello();
                RawPeer.Frame again = readRequest(raw);
                assertArrayEquals(first.payload(), again.payload(), "the same route and body, sent again");
                raw.write(RawPeer.frame(RawPeer.RESPONSE, again.requestId(), new byte[] {43}));
                assertArrayEquals(new byte[] {43}, answer.get(10, TimeUnit.SECONDS).bodyBytes(),
                    "the answer of the second connection");
                assertEquals(resentBefore + 1, client.metrics().read(Metric.REQUESTS_RESENT));
            }
        }
    }

    @Test
    void shouldGiveTheCallerNotProcessedWithoutReconnect() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), ClientOptions.defaults());
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                long resentBefore = client.metrics().read(Metric.REQUESTS_RESENT);
                CompletableFuture<Message> answer = client.request("echo", new byte[] {42});
                RawPeer.Frame request = readRequest(raw);
                raw.write(RawPeer.frame(RawPeer.ERROR, request.requestId(), notProcessed()));
                ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
                RemoteException remote = assertInstanceOf(RemoteException.class, e.getCause());
                assertEquals(ErrorCode.NOT_PROCESSED.code(), remote.code(), remote.getMessage());
                assertEquals(resentBefore, client.metrics().read(Metric.REQUESTS_RESENT));
                assertTrue(client.isOpen(), "without reconnecting, the answer changes nothing else");
            }
        }
    }

    @Test
    void shouldGiveTheCallerNotProcessedWhenTheReconnectQueueIsOff() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), reconnecting(0));
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                CompletableFuture<Message> answer = client.request("echo", new byte[] {42});
                RawPeer.Frame request = readRequest(raw);
                raw.write(RawPeer.frame(RawPeer.ERROR, request.requestId(), notProcessed()));
                ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
                RemoteException remote = assertInstanceOf(RemoteException.class, e.getCause());
                assertEquals(ErrorCode.NOT_PROCESSED.code(), remote.code(), remote.getMessage());
            }
        }
    }

    @Test
    void shouldStopResendingAfterTheBoundAndGiveTheCallerNotProcessed() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            raw.acceptTimeout(Duration.ofSeconds(20));
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), reconnecting(16));
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                long resentBefore = client.metrics().read(Metric.REQUESTS_RESENT);
                CompletableFuture<Message> answer = client.request("echo", new byte[] {42});
                for (int sent = 1; sent <= 1 + MAX_RESENDS; sent++) {
                    if (sent > 1) {
                        raw.dropConnection();
                        raw.acceptAndHello();
                    }
                    RawPeer.Frame request = readRequest(raw);
                    assertArrayEquals(RawPeer.requestPayload("echo", new byte[] {42}), request.payload(),
                        "send " + sent);
                    raw.write(RawPeer.frame(RawPeer.ERROR, request.requestId(), notProcessed()));
                }
                ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
                RemoteException remote = assertInstanceOf(RemoteException.class, e.getCause());
                assertEquals(ErrorCode.NOT_PROCESSED.code(), remote.code(), remote.getMessage());
                assertEquals(resentBefore + MAX_RESENDS, client.metrics().read(Metric.REQUESTS_RESENT));
                // Nothing more of the first request: the next REQUEST on this connection is a new one.
                CompletableFuture<Message> next = client.request("echo", new byte[] {7});
                RawPeer.Frame request = readRequest(raw);
                assertArrayEquals(RawPeer.requestPayload("echo", new byte[] {7}), request.payload());
                raw.write(RawPeer.frame(RawPeer.RESPONSE, request.requestId(), new byte[] {7}));
                assertArrayEquals(new byte[] {7}, next.get(10, TimeUnit.SECONDS).bodyBytes());
            }
        }
    }

    /**
     * Issue #13: a restart under load used to fail the requests in flight with NOT_PROCESSED. The server closes with
     * a grace period (GOAWAY, as on SIGTERM) while the client keeps {@code depth} requests in flight, and a new server
     * on the same port comes back well within the request timeout. Whether a request reaches the server after its
     * GOAWAY is a race, so the server is restarted until some were answered NOT_PROCESSED (a bounded number of
     * times); no request may fail on any restart.
     */
    @Test
    void shouldFailNoRequestWhenTheServerRestartsUnderLoad() throws Exception {
        final int depth = 256;
        Server server = echoServer(0);
        int port = server.endpoints().get(0).port();
        Semaphore slots = new Semaphore(depth);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong answered = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (Client client = Client.connect("tcp://127.0.0.1:" + port, reconnecting(4 * depth))) {
            long resentBefore = client.metrics().read(Metric.REQUESTS_RESENT);
            Thread loader = Thread.ofPlatform().name("loader").start(() -> {
                byte[] body = new byte[64];
                try {
                    while (!stop.get()) {
                        if (!slots.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        client.request("echo", body).whenComplete((m, e) -> {
                            if (e != null) {
                                failures.add(e);
                            } else {
                                answered.incrementAndGet();
                            }
                            slots.release();
                        });
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int restarts = 0;
            while (restarts < 20 && failures.isEmpty()
                && client.metrics().read(Metric.REQUESTS_RESENT) == resentBefore) {
                long mark = answered.get();
                Conditions.await("load on the server", Duration.ofSeconds(30),
                    () -> answered.get() > mark + 1_000 || !failures.isEmpty());
                server.close(Duration.ofSeconds(10));
                server = echoServer(port);
                restarts++;
            }
            long mark = answered.get();
            Conditions.await("load on the last server", Duration.ofSeconds(30),
                () -> answered.get() > mark + 1_000 || !failures.isEmpty());
            stop.set(true);
            loader.join(10_000);
            assertTrue(slots.tryAcquire(depth, 30, TimeUnit.SECONDS), "every request answered or failed");
            assertEquals(List.of(), failures.stream().map(Throwable::toString).distinct().toList(),
                failures.size() + " failed requests after " + restarts + " restarts");
            assertTrue(client.metrics().read(Metric.REQUESTS_RESENT) > resentBefore,
                "no restart of " + restarts + " answered a request NOT_PROCESSED: this test showed nothing");
        } finally {
            stop.set(true);
            server.close();
        }
    }

    private static Server echoServer(int port) {
        return Server.builder().listen("tcp://127.0.0.1:" + port).route("echo", (m, r) -> r.send(m.body())).start();
    }
}
