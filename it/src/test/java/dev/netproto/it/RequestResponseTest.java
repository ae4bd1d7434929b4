package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.RemoteException;
import dev.netproto.api.Reply;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RequestResponseTest {
    private static final int REORDER_BATCH = 100;

    private final List<Reply> held = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> oneWay = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Thread> blockingThread = new AtomicReference<>();
    private Server server;
    private String uri;

    @BeforeEach
    void startServer() {
        server = startOn("tcp://127.0.0.1:0");
        uri = server.endpoints().get(0).toString();
    }

    private Server startOn(String listen) {
        return Server.builder().listen(listen).eventLoops(2)
            .route("echo", (m, r) -> r.send(m.body()))
            .route("boom", (m, r) -> {
                throw new IllegalStateException("handler exploded");
            })
            .route("silent", (m, r) -> { })
            .route("refuse", (m, r) -> r.fail("not today"))
            .route("note", (m, r) -> oneWay.add(m.bodyText()))
            .route("reverse", this::holdThenAnswerReversed)
            .blockingRoute("blocking", (m, r) -> {
                blockingThread.set(Thread.currentThread());
                r.send(m.bodyBytes());
            })
            .start();
    }

    /** Holds replies until a batch is complete, then answers the batch in reverse order. */
    private void holdThenAnswerReversed(Message m, Reply r) {
        synchronized (held) {
            Reply deferred = r.defer();
            ByteBuffer copy = ByteBuffer.wrap(m.bodyBytes());
            held.add(new Reply() {
                @Override
                public boolean send(ByteBuffer body, boolean compress) {
                    return deferred.send(copy);
                }

                @Override
                public boolean fail(String message) {
                    return deferred.fail(message);
                }

                @Override
                public boolean expectsReply() {
                    return true;
                }

                @Override
                public Reply defer() {
                    return this;
                }
            });
            if (held.size() == REORDER_BATCH) {
                for (int i = held.size() - 1; i >= 0; i--) {
                    held.get(i).send(ByteBuffer.allocate(0));
                }
                held.clear();
            }
        }
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldEchoOverIpv4Loopback() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            Message response = client.request("echo", utf8("hello")).get(10, TimeUnit.SECONDS);
            assertEquals("hello", response.bodyText());
            assertEquals(null, response.route());
            assertNotEquals(0, response.requestId());
        }
    }

    @Test
    void shouldEchoOverIpv6Loopback() throws Exception {
        try (Server v6 = startOn("tcp://[::1]:0");
             Client client = Client.connect(v6.endpoints().get(0).toString(), ClientOptions.defaults())) {
            assertTrue(v6.endpoints().get(0).toString().startsWith("tcp://[::1]:"));
            assertEquals("over v6", client.request("echo", utf8("over v6")).get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    @Test
    void shouldAnswerTenThousandConcurrentRequestsOnOneConnection() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            int n = 10_000;
            List<CompletableFuture<Message>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                futures.add(client.request("echo", ByteBuffer.allocate(4).putInt(0, i)));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(i, futures.get(i).get(30, TimeUnit.SECONDS).body().getInt(0), "response " + i);
            }
        }
        Conditions.await("buffers returned", Duration.ofSeconds(10),
            () -> server.metrics().read(Metric.BUFFERS_IN_USE) == 0);
    }

    @Test
    void shouldServeHundredConnectionsWithThousandRequestsEach() throws Exception {
        int connections = 100;
        int requests = 1_000;
        List<Client> clients = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                clients.add(Client.connect(uri, ClientOptions.defaults()));
            }
            List<CompletableFuture<Message>> futures = new ArrayList<>(connections * requests);
            for (int i = 0; i < requests; i++) {
                for (int c = 0; c < connections; c++) {
                    futures.add(clients.get(c).request("echo", ByteBuffer.allocate(8).putInt(0, c).putInt(4, i)));
                }
            }
            int k = 0;
            for (int i = 0; i < requests; i++) {
                for (int c = 0; c < connections; c++) {
                    ByteBuffer body = futures.get(k++).get(30, TimeUnit.SECONDS).body();
                    assertEquals(c, body.getInt(0));
                    assertEquals(i, body.getInt(4));
                }
            }
            assertEquals(connections, server.metrics().read(Metric.CONNECTIONS_ACTIVE));
        } finally {
            clients.forEach(Client::close);
        }
        Conditions.await("all connections closed", Duration.ofSeconds(10),
            () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 0);
    }

    @Test
    void shouldMatchResponsesThatArriveOutOfOrder() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            ConcurrentLinkedQueue<Integer> completionOrder = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Message>> futures = new ArrayList<>();
            for (int i = 0; i < REORDER_BATCH; i++) {
                int id = i;
                CompletableFuture<Message> f = client.request("reverse", ByteBuffer.allocate(4).putInt(0, i));
                f.thenAccept(m -> completionOrder.add(id));
                futures.add(f);
            }
            for (int i = 0; i < REORDER_BATCH; i++) {
                assertEquals(i, futures.get(i).get(30, TimeUnit.SECONDS).body().getInt(0));
            }
            Conditions.await("every completion recorded", Duration.ofSeconds(10),
                () -> completionOrder.size() == REORDER_BATCH);
            assertEquals(REORDER_BATCH - 1, completionOrder.peek(), "the last request is answered first");
        }
    }

    @Test
    void shouldAnswerUnknownRouteWithErrorAndKeepTheConnection() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            RemoteException e = remoteFailure(client.request("nowhere", utf8("x")));
            assertEquals(ErrorCode.UNKNOWN_ROUTE, e.errorCode());
            assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
            assertEquals("still up", client.request("echo", utf8("still up")).get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    @Test
    void shouldAnswerHandlerFailureWithErrorAndKeepTheConnection() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            RemoteException e = remoteFailure(client.request("boom", utf8("x")));
            assertEquals(ErrorCode.HANDLER_FAILED, e.errorCode());
            assertTrue(e.getMessage().contains("handler exploded"), e.getMessage());
            assertEquals(ErrorCode.NO_REPLY, remoteFailure(client.request("silent", utf8("x"))).errorCode());
            RemoteException refused = remoteFailure(client.request("refuse", utf8("x")));
            assertEquals(ErrorCode.APPLICATION_ERROR, refused.errorCode());
            assertTrue(refused.getMessage().contains("not today"), refused.getMessage());
            assertEquals("alive", client.request("echo", utf8("alive")).get(10, TimeUnit.SECONDS).bodyText());
            assertTrue(client.isOpen());
        }
    }

    @Test
    void shouldRunBlockingHandlersOffTheEventLoop() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            assertEquals("b", client.request("blocking", utf8("b")).get(10, TimeUnit.SECONDS).bodyText());
            assertTrue(blockingThread.get().isVirtual(), "blocking handlers run on virtual threads by default");
        }
    }

    @Test
    void shouldDeliverOneWayMessages() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            for (int i = 0; i < 100; i++) {
                assertTrue(client.send("note", ByteBuffer.wrap(utf8("m" + i))));
            }
            Conditions.await("100 one-way messages", Duration.ofSeconds(10), () -> oneWay.size() == 100);
            assertEquals("m0", oneWay.peek());
        }
    }

    @Test
    void shouldCarryFramesUpToTheMaximumLength() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            Random random = new Random(42);
            for (int size : new int[] {0, 1, 65_535, 65_536 + 17, 1 << 20, 16 * 1024 * 1024 - 6}) {
                byte[] body = new byte[size];
                random.nextBytes(body);
                assertArrayEquals(body, client.request("echo", body).get(30, TimeUnit.SECONDS).bodyBytes(),
                    "body of " + size + " bytes");
            }
        }
    }

    @Test
    void shouldRefuseARequestLargerThanTheServerAccepts() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> client.request("echo", new byte[16 * 1024 * 1024]));
            assertTrue(e.getMessage().contains("maximum frame length"), e.getMessage());
            assertEquals("ok", client.request("echo", utf8("ok")).get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    @Test
    void shouldAnswerAResponseLargerThanTheClientAcceptsWithAnError() throws Exception {
        ClientOptions small = ClientOptions.builder().maxFrameLength(4096).build();
        try (Client client = Client.connect(uri, small)) {
            RemoteException e = remoteFailure(client.request("echo", new byte[4097]));
            assertEquals(ErrorCode.MESSAGE_TOO_LARGE, e.errorCode());
            assertEquals(4096, client.request("echo", new byte[4096]).get(10, TimeUnit.SECONDS).bodyLength());
        }
    }

    @Test
    void shouldFailPendingRequestsWhenTheServerCloses() throws Exception {
        Client client = Client.connect(uri, ClientOptions.defaults());
        CompletableFuture<Message> pending = client.request("reverse", utf8("never answered"));
        CountDownLatch sent = new CountDownLatch(1);
        client.request("echo", utf8("x")).thenRun(sent::countDown);
        assertTrue(sent.await(10, TimeUnit.SECONDS));
        server.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
        ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertEquals(ErrorCode.SHUTTING_DOWN, closed.code());
        Conditions.await("client sees the close", Duration.ofSeconds(10), () -> !client.isOpen());
        ExecutionException after = assertThrows(ExecutionException.class,
            () -> client.request("echo", utf8("late")).get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, after.getCause());
        client.close();
        client.close();
    }

    @Test
    void shouldFailRequestsAfterTheClientClosesItself() throws Exception {
        Client client = Client.connect(uri, ClientOptions.defaults());
        client.close();
        assertFalse(client.isOpen());
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> client.request("echo", utf8("x")).get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertFalse(client.send("note", ByteBuffer.allocate(1)));
        client.close();
    }

    @Test
    void shouldReportConnectionRefusedAsATypedFailure() {
        Endpoint closedPort = new Endpoint("tcp", "127.0.0.1", freePort(), "");
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class,
            () -> Client.connect(closedPort.toString(), ClientOptions.defaults()));
        assertEquals(ErrorCode.TRANSPORT_ERROR, e.code());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
    }

    @Test
    void shouldNameTheProvidersFoundWhenANameIsUnknown() {
        // "psk" is the test suite's own provider (it/.../psk), found like any third party's.
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Server.builder()
            .listen("tcp://127.0.0.1:0").listen("carrier-pigeon://127.0.0.1:1").security("rot13").metrics("abacus")
            .route("echo", (m, r) -> r.send(m.body())).start());
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("unknown transport scheme 'carrier-pigeon'; found: [tcp, tls, unix]"),
            e.getMessage());
        assertTrue(e.getMessage().contains("unknown security provider 'rot13'; found: [noise, none, psk, tls]"),
            e.getMessage());
        assertTrue(e.getMessage().contains("unknown metrics provider 'abacus'"), e.getMessage());
        ConfigurationException c = assertThrows(ConfigurationException.class,
            () -> Client.connect(uri, ClientOptions.builder().security("rot13").build()));
        assertTrue(c.getMessage().contains("found: [noise, none, psk, tls]"), c.getMessage());
    }

    @Test
    void shouldReportEveryInvalidServerOptionAtOnce() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> Server.builder()
            .eventLoops(0).maxFrameLength(32 * 1024 * 1024).route("", (m, r) -> { }).build());
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("listen:"), e.getMessage());
        assertTrue(e.getMessage().contains("event_loops:"), e.getMessage());
        assertTrue(e.getMessage().contains("max_frame_length:"), e.getMessage());
        assertTrue(e.getMessage().contains("route:"), e.getMessage());
    }

    @Test
    void shouldCountTrafficAndReturnEveryBuffer() throws Exception {
        byte[] random = new byte[100_000];
        new Random(11).nextBytes(random);
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            for (int i = 0; i < 10; i++) {
                client.request("echo", random).get(10, TimeUnit.SECONDS);
            }
        }
        Conditions.await("connection closed", Duration.ofSeconds(10),
            () -> server.metrics().read(Metric.CONNECTIONS_CLOSED) == 1);
        assertEquals(1, server.metrics().read(Metric.CONNECTIONS_OPENED));
        assertEquals(1, server.metrics().read(Metric.HANDSHAKES_COMPLETED));
        assertTrue(server.metrics().read(Metric.FRAMES_RECEIVED) >= 11);
        assertTrue(server.metrics().read(Metric.BYTES_RECEIVED) >= 1_000_000);
        assertTrue(server.metrics().read(Metric.BYTES_SENT) >= 1_000_000);
        assertEquals(0, server.metrics().read(Metric.BUFFERS_IN_USE));
        assertEquals(0, server.metrics().read(Metric.ERRORS));
    }

    private static RemoteException remoteFailure(CompletableFuture<Message> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(RemoteException.class, e.getCause());
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
