package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.RemoteException;
import dev.netproto.api.Reply;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bounded memory and bounded work: watermarks, in-flight limits and the connection limit. */
@Timeout(90)
class LimitsTest {
    private static final int LOW = 256 * 1024;
    private static final int HIGH = 1024 * 1024;

    private final ConcurrentLinkedQueue<Reply> held = new ConcurrentLinkedQueue<>();
    private Server server;
    private String uri;

    @BeforeEach
    void start() {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(2).maxConnections(3)
            .connection(ConnectionOptions.builder().writeBufferWatermarks(LOW, HIGH).maxInFlightRequests(5).build())
            .route("echo", (m, r) -> r.send(m.body()))
            .route("hold", (m, r) -> held.add(r.defer()))
            .start();
        uri = server.endpoints().get(0).toString();
    }

    @AfterEach
    void stop() {
        held.forEach(r -> r.send(new byte[0]));
        server.close(Duration.ofSeconds(2));
    }

    @Test
    void shouldStopReadingFromAPeerThatDoesNotReadAndKeepServingOthers() throws Exception {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long directBefore = direct.getMemoryUsed();
        RawPeer greedy = new RawPeer(server.endpoints().get(0));
        try (Client good = Client.connect(uri, ClientOptions.defaults())) {
            greedy.handshake();
            // 3,000 requests of 16 KiB (47 MiB of responses) that are never read.
            Thread writer = RawPeer.writeInBackground(greedy, RawPeer.frame(RawPeer.REQUEST, 1,
                RawPeer.requestPayload("echo", new byte[16 * 1024])), 3_000);
            Conditions.await("the server stops reading the greedy peer", Duration.ofSeconds(30),
                () -> server.metrics().read(Metric.READS_SUSPENDED) >= 1);
            long[] latenciesUs = new long[200];
            for (int i = 0; i < latenciesUs.length; i++) {
                long start = System.nanoTime();
                assertEquals(64, good.request("echo", new byte[64]).get(10, TimeUnit.SECONDS).bodyLength());
                latenciesUs[i] = (System.nanoTime() - start) / 1000;
            }
            long outbound = server.metrics().read(Metric.OUTBOUND_BYTES);
            long directGrowth = direct.getMemoryUsed() - directBefore;
            Arrays.sort(latenciesUs);
            System.out.printf("slow consumer: server outbound=%d bytes (high watermark %d), direct memory growth=%d"
                    + " bytes, good client p50=%d us p99=%d us%n", outbound, HIGH, directGrowth,
                latenciesUs[latenciesUs.length / 2], latenciesUs[latenciesUs.length * 99 / 100]);
            // The server stops reading after the read that passed the watermark, whose frames it still answers: at
            // most a 64 KiB read buffer of requests, plus the frame completed in a spill buffer.
            assertTrue(outbound <= HIGH + 64 * 1024 + 16 * 1024 + 64, "queued output bounded by the high watermark"
                + " + one read + one frame: " + outbound);
            assertTrue(writer.isAlive(), "the greedy peer is blocked: the server stopped reading it");
            greedy.close();
            writer.join(10_000);
        } finally {
            greedy.close();
        }
        Conditions.await("greedy connection closed and its output released", Duration.ofSeconds(10),
            () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 0
                && server.metrics().read(Metric.OUTBOUND_BYTES) == 0);
    }

    @Test
    void shouldRefuseRequestsBeyondTheServersInFlightLimit() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            List<CompletableFuture<Message>> holding = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                holding.add(client.request("hold", new byte[] {(byte) i}));
            }
            Conditions.await("5 requests held", Duration.ofSeconds(10), () -> held.size() == 5);
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.request("hold", new byte[1]).get(10, TimeUnit.SECONDS));
            RemoteException refused = assertInstanceOf(RemoteException.class, e.getCause());
            assertEquals(ErrorCode.OVERLOADED, refused.errorCode());
            held.poll().send(new byte[] {42});
            assertEquals(42, holding.get(0).get(10, TimeUnit.SECONDS).bodyBytes()[0]);
            assertEquals(1, client.request("echo", new byte[1]).get(10, TimeUnit.SECONDS).bodyLength(),
                "one answered: room for one more");
        }
    }

    @Test
    void shouldRefuseRequestsBeyondTheClientsInFlightLimit() throws Exception {
        ClientOptions options = ClientOptions.builder()
            .connection(ConnectionOptions.builder().maxInFlightRequests(3).build()).build();
        try (Client client = Client.connect(uri, options)) {
            for (int i = 0; i < 3; i++) {
                client.request("hold", new byte[1]);
            }
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.request("echo", new byte[1]).get(10, TimeUnit.SECONDS));
            OverloadedException refused = assertInstanceOf(OverloadedException.class, e.getCause());
            assertTrue(refused.getMessage().contains("3 requests in flight"), refused.getMessage());
        }
    }

    @Test
    void shouldTellConnectionsBeyondTheLimitWhyTheyAreRefused() throws Exception {
        List<Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(Client.connect(uri, ClientOptions.defaults()));
            }
            ConnectionClosedException e = assertThrows(ConnectionClosedException.class,
                () -> Client.connect(uri, ClientOptions.defaults()));
            assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, e.code());
            assertTrue(e.getMessage().contains("maximum of 3 connections"), e.getMessage());
            assertEquals(1, server.metrics().read(Metric.CONNECTIONS_REFUSED));
            clients.remove(0).close();
            Conditions.await("a place is free", Duration.ofSeconds(10),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 2);
            clients.add(Client.connect(uri, ClientOptions.defaults()));
            assertEquals(1, clients.get(2).request("echo", new byte[1]).get(10, TimeUnit.SECONDS).bodyLength());
        } finally {
            clients.forEach(Client::close);
        }
    }

    @Test
    void shouldRefuseOrWaitWhenTheClientsOutputIsFull() throws Exception {
        try (RawServer raw = new RawServer(4096)) {
            ClientOptions failFast = ClientOptions.builder()
                .transport(new dev.netproto.api.TransportOptions(true, 0, 4096, 0, true))
                // No heartbeats: the raw server answers nothing, and a PING would be read where a request is due.
                .connection(ConnectionOptions.builder().writeBufferWatermarks(16 * 1024, 64 * 1024)
                    .heartbeat(Duration.ZERO, 1).build())
                .build();
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), failFast);
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                // The raw server never reads: the socket buffers fill, then the client's output queue.
                Throwable refusal = null;
                for (int i = 0; i < 10_000 && refusal == null; i++) {
                    CompletableFuture<Message> f = client.request("echo", new byte[8 * 1024]);
                    if (f.isCompletedExceptionally()) {
                        refusal = assertThrows(ExecutionException.class, f::get).getCause();
                    }
                }
                OverloadedException full = assertInstanceOf(OverloadedException.class, refusal);
                assertTrue(full.getMessage().contains("above its high watermark of 65536 bytes"), full.getMessage());
            }
        }
    }

    @Test
    void shouldWaitForRoomWhenThePolicySaysWaitAndSendOnceTheServerReads() throws Exception {
        try (RawServer raw = new RawServer(4096)) {
            ClientOptions waiting = ClientOptions.builder()
                .transport(new dev.netproto.api.TransportOptions(true, 0, 4096, 0, true))
                // No heartbeats: the raw server answers nothing, and a PING would be read where a request is due.
                .connection(ConnectionOptions.builder().writeBufferWatermarks(16 * 1024, 64 * 1024)
                    .heartbeat(Duration.ZERO, 1).build())
                .backpressureWait(Duration.ofSeconds(30))
                .build();
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), waiting);
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                CompletableFuture<Thread> blocked = new CompletableFuture<>();
                ConcurrentLinkedQueue<CompletableFuture<Message>> refused = new ConcurrentLinkedQueue<>();
                Thread sender = Thread.ofPlatform().start(() -> {
                    blocked.complete(Thread.currentThread());
                    for (int i = 0; i < 200; i++) {
                        // 200 × 8 KiB = 1.6 MiB: more than the socket buffers and the 64 KiB watermark hold.
                        CompletableFuture<Message> f = client.request("echo", new byte[8 * 1024]);
                        if (f.isCompletedExceptionally()) {
                            refused.add(f);
                        }
                    }
                });
                Thread t = blocked.get(10, TimeUnit.SECONDS);
                Conditions.await("the sender waits for room", Duration.ofSeconds(20),
                    () -> t.getState() == Thread.State.TIMED_WAITING);
                for (int i = 0; i < 200; i++) {
                    assertEquals(RawPeer.REQUEST, raw.read().type(), "request " + i + " arrives once read");
                }
                sender.join(20_000);
                assertTrue(!sender.isAlive(), "every send went through once the server read");
                assertTrue(refused.isEmpty(), "refused although the policy is to wait: " + refused);
            }
        }
    }
}
