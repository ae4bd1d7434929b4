package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionState;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.ReconnectPolicy;
import dev.netproto.api.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ReconnectTest {
    private final List<ConnectionState> states = new CopyOnWriteArrayList<>();

    private static Server echoServer(int port) {
        return Server.builder().listen("tcp://127.0.0.1:" + port).route("echo", (m, r) -> r.send(m.body())).start();
    }

    private ClientOptions options(ReconnectPolicy policy) {
        return ClientOptions.builder().reconnect(policy).stateListener((s, detail) -> states.add(s)).build();
    }

    @Test
    void shouldReconnectAfterTheServerRestartsAndSendWhatWasQueued() throws Exception {
        Server first = echoServer(0);
        int port = first.endpoints().get(0).port();
        ReconnectPolicy policy = ReconnectPolicy.exponential(100, Duration.ofMillis(10), Duration.ofMillis(100), 50);
        try (Client client = Client.connect("tcp://127.0.0.1:" + port, options(policy))) {
            assertEquals(1, client.request("echo", new byte[1]).get(10, TimeUnit.SECONDS).bodyLength());
            first.close(Duration.ofSeconds(2));
            Conditions.await("disconnected", Duration.ofSeconds(10),
                () -> states.contains(ConnectionState.DISCONNECTED));
            List<CompletableFuture<Message>> queued = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                queued.add(client.request("echo", new byte[] {(byte) i}));
            }
            try (Server second = echoServer(port)) {
                for (int i = 0; i < 20; i++) {
                    assertEquals(i, queued.get(i).get(20, TimeUnit.SECONDS).bodyBytes()[0], "queued request " + i);
                }
                assertTrue(client.isOpen());
                assertEquals(20, second.metrics().read(dev.netproto.api.spi.Metric.FRAMES_RECEIVED) - 1,
                    "HELLO, the 20 queued requests, nothing else yet: " + second.metrics());
                assertEquals(ConnectionState.CONNECTED, states.get(states.size() - 1));
                assertTrue(states.subList(0, 3).equals(List.of(ConnectionState.CONNECTING, ConnectionState.CONNECTED,
                    ConnectionState.DISCONNECTED)), states.toString());
            }
        }
        Conditions.await("closed after close()", Duration.ofSeconds(10),
            () -> states.get(states.size() - 1) == ConnectionState.CLOSED);
    }

    /**
     * A request made after the connection ended (here: after the server's CLOSE with INTERNAL_ERROR, no reconnecting)
     * fails with the code the connection ended with, not NORMAL: the application never closed this client. Before
     * the fix, such a request read "client is closed" with NORMAL; NoiseSessionTest's replay test saw it as a flake
     * when its second request reached the client's loop just after the server's CLOSE.
     */
    @Test
    void shouldFailRequestsMadeAfterTheConnectionEndedWithItsCode() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), ClientOptions.defaults());
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                byte[] text = "server broke".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                java.nio.ByteBuffer payload = java.nio.ByteBuffer.allocate(2 + text.length);
                payload.putShort((short) ErrorCode.INTERNAL_ERROR.code()).put(text);
                raw.write(RawPeer.frame(RawPeer.CLOSE, 0, payload.array()));
                Conditions.await("the client to close", Duration.ofSeconds(10), () -> !client.isOpen());
                ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.request("echo", new byte[] {1}).get(10, TimeUnit.SECONDS));
                ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
                assertEquals(ErrorCode.INTERNAL_ERROR, closed.code(), closed.getMessage());
                assertTrue(closed.getMessage().contains("server broke"), closed.getMessage());
            }
        }
    }

    @Test
    void shouldFailRequestsAtOnceWhileReconnectingWhenTheQueueIsOff() throws Exception {
        Server server = echoServer(0);
        ReconnectPolicy policy = ReconnectPolicy.exponential(100, Duration.ofMillis(50), Duration.ofMillis(200), 0);
        try (Client client = Client.connect(server.endpoints().get(0).toString(), options(policy))) {
            server.close(Duration.ofSeconds(1));
            Conditions.await("disconnected", Duration.ofSeconds(10),
                () -> states.contains(ConnectionState.DISCONNECTED));
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.request("echo", new byte[1]).get(10, TimeUnit.SECONDS));
            assertInstanceOf(ConnectionClosedException.class, e.getCause());
        }
    }

    @Test
    void shouldGiveUpAfterTheMaximumAttemptsAndFailTheQueue() throws Exception {
        Server server = echoServer(0);
        ReconnectPolicy policy = ReconnectPolicy.exponential(3, Duration.ofMillis(5), Duration.ofMillis(20), 10);
        try (Client client = Client.connect(server.endpoints().get(0).toString(), options(policy))) {
            server.close(Duration.ofSeconds(1));
            Conditions.await("disconnected", Duration.ofSeconds(10),
                () -> states.contains(ConnectionState.DISCONNECTED));
            CompletableFuture<Message> queued = client.request("echo", new byte[1]);
            ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(20, TimeUnit.SECONDS));
            ConnectionClosedException gaveUp = assertInstanceOf(ConnectionClosedException.class, e.getCause());
            assertTrue(gaveUp.getMessage().contains("after 3 attempts"), gaveUp.getMessage());
            Conditions.await("closed", Duration.ofSeconds(10), () -> states.contains(ConnectionState.CLOSED));
            assertEquals(3, states.stream().filter(s -> s == ConnectionState.CONNECTING).count() - 1,
                "three reconnect attempts after the first connect: " + states);
        }
    }

    @Test
    void shouldSpreadBackoffWithFullJitterUnderACeiling() {
        ReconnectPolicy policy = ReconnectPolicy.exponential(10, Duration.ofMillis(100), Duration.ofSeconds(1), 0);
        assertEquals(Duration.ofMillis(100).toNanos(), policy.ceilingNanos(1));
        assertEquals(Duration.ofMillis(200).toNanos(), policy.ceilingNanos(2));
        assertEquals(Duration.ofMillis(800).toNanos(), policy.ceilingNanos(4));
        assertEquals(Duration.ofSeconds(1).toNanos(), policy.ceilingNanos(5));
        assertEquals(Duration.ofSeconds(1).toNanos(), policy.ceilingNanos(1_000));
    }
}
