package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import dev.netproto.api.Reply;
import dev.netproto.api.RequestTimeoutException;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every timeout of ConnectionOptions and ClientOptions, driven by a {@link ManualClock}: nothing expires until
 * the test advances the clock, so each test shows both that the timeout fires and which advance made it fire.
 */
@Timeout(60)
class TimeoutsTest {
    private final ManualClock clock = new ManualClock();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Reply> held = new ConcurrentLinkedQueue<>();
    private Server server;

    private Server start(ConnectionOptions connection) {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1).clock(clock).connection(connection)
            .route("echo", (m, r) -> r.send(m.body()))
            .route("hold", (m, r) -> held.add(r.defer()))
            .onConnectionError((c, code, reason) -> errors.add(code + ": " + reason))
            .start();
        return server;
    }

    private static ConnectionOptions.Builder noTimers() {
        return ConnectionOptions.builder().handshakeTimeout(Duration.ZERO).idleTimeout(Duration.ZERO)
            .writeTimeout(Duration.ZERO).heartbeat(Duration.ZERO, 1);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldCloseAPeerThatDoesNotCompleteHelloInTime() throws Exception {
        start(noTimers().handshakeTimeout(Duration.ofSeconds(2)).build());
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.write(new byte[] {0x4E});
            Conditions.await("connection accepted", Duration.ofSeconds(10),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 1);
            clock.advance(Duration.ofSeconds(2));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.TIMEOUT.code(), close.code());
            assertEquals("HELLO did not complete within 2000 ms", close.text());
            assertEquals(1, server.metrics().read(Metric.HANDSHAKES_FAILED));
        }
    }

    @Test
    void shouldCloseAConnectionThatReceivesNoFrameForTheIdleTimeout() throws Exception {
        start(noTimers().idleTimeout(Duration.ofSeconds(30)).build());
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            clock.advance(Duration.ofSeconds(29));
            // A frame inside the window resets the idle clock.
            peer.write(RawPeer.frame(RawPeer.PING, 0, new byte[8]));
            assertEquals(RawPeer.PONG, peer.read().type());
            clock.advance(Duration.ofSeconds(29));
            peer.write(RawPeer.frame(RawPeer.PING, 0, new byte[8]));
            assertEquals(RawPeer.PONG, peer.read().type(), "still open 58 s after HELLO: the PING reset the timer");
            clock.advance(Duration.ofSeconds(30));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.TIMEOUT.code(), close.code());
            assertEquals("no frame received for 30000 ms", close.text());
        }
    }

    @Test
    void shouldPingAnIdlePeerAndDeclareItDeadAfterMissedHeartbeats() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            ClientOptions options = ClientOptions.builder().clock(clock).requestTimeout(Duration.ZERO)
                .connection(noTimers().heartbeat(Duration.ofSeconds(5), 2).build()).build();
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), options);
            raw.acceptAndHello();
            Client client = connecting.get(10, TimeUnit.SECONDS);
            CompletableFuture<Message> pending = client.request("echo", new byte[] {1});
            assertEquals(RawPeer.REQUEST, raw.read().type());
            clock.advance(Duration.ofSeconds(5));
            RawPeer.Frame ping = raw.read();
            assertEquals(RawPeer.PING, ping.type(), "an idle connection is pinged after one interval");
            clock.advance(Duration.ofSeconds(5));
            assertEquals(RawPeer.PING, raw.read().type(), "and again after each further interval");
            assertTrue(client.isOpen(), "two missed heartbeats are allowed");
            clock.advance(Duration.ofSeconds(5));
            ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
            ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
            assertEquals(ErrorCode.TIMEOUT, closed.code());
            assertTrue(closed.getMessage().contains("missed 2 heartbeats"), closed.getMessage());
            assertFalse(client.isOpen());
            client.close();
        }
    }

    @Test
    void shouldKeepAConnectionWhosePeerAnswersPings() throws Exception {
        start(noTimers().build());
        ClientOptions options = ClientOptions.builder().clock(clock)
            .connection(noTimers().heartbeat(Duration.ofSeconds(5), 1).build()).build();
        try (Client client = Client.connect(server.endpoints().get(0).toString(), options)) {
            for (int i = 0; i < 5; i++) {
                long received = client.metrics().read(Metric.FRAMES_RECEIVED);
                long pings = client.metrics().read(Metric.PINGS_SENT);
                clock.advance(Duration.ofSeconds(5));
                // The next advance may only come once the PONG is in, or the client would rightly give up.
                Conditions.await("PONG " + i + " received", Duration.ofSeconds(10),
                    () -> client.metrics().read(Metric.FRAMES_RECEIVED) > received);
                assertEquals(pings + 1, client.metrics().read(Metric.PINGS_SENT));
            }
            assertTrue(client.isOpen(), "25 s with one missed heartbeat allowed, but every PING was answered");
            assertEquals(1, client.request("echo", new byte[] {1}).get(10, TimeUnit.SECONDS).bodyLength());
        }
    }

    @Test
    void shouldFailARequestAfterTheRequestTimeoutAndDropItsLateResponse() throws Exception {
        start(noTimers().build());
        ClientOptions options = ClientOptions.builder().clock(clock).requestTimeout(Duration.ofSeconds(3))
            .connection(noTimers().build()).build();
        try (Client client = Client.connect(server.endpoints().get(0).toString(), options)) {
            CompletableFuture<Message> slow = client.request("hold", new byte[] {1});
            Conditions.await("request held", Duration.ofSeconds(10), () -> held.size() == 1);
            clock.advance(Duration.ofMillis(2_999));
            assertEquals(2, client.request("echo", new byte[2]).get(10, TimeUnit.SECONDS).bodyLength());
            assertFalse(slow.isDone(), "not yet: 2.999 s of 3 s");
            long late = client.metrics().read(Metric.LATE_RESPONSES);
            long timedOut = client.metrics().read(Metric.REQUESTS_TIMED_OUT);
            clock.advance(Duration.ofMillis(1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(10, TimeUnit.SECONDS));
            RequestTimeoutException timeout = assertInstanceOf(RequestTimeoutException.class, e.getCause());
            assertTrue(timeout.getMessage().contains("no answer within 3000 ms"), timeout.getMessage());
            assertEquals(timedOut + 1, client.metrics().read(Metric.REQUESTS_TIMED_OUT));
            held.poll().send(ByteBuffer.wrap(new byte[] {9}));
            Conditions.await("late response counted", Duration.ofSeconds(10),
                () -> client.metrics().read(Metric.LATE_RESPONSES) == late + 1);
            assertEquals(3, client.request("echo", new byte[3]).get(10, TimeUnit.SECONDS).bodyLength());
        }
    }

    @Test
    void shouldCloseAConnectionWhoseOutputMakesNoProgress() throws Exception {
        start(noTimers().writeTimeout(Duration.ofSeconds(10)).build());
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            // The peer never reads: responses fill the socket buffers, then the server's output queue passes its
            // high watermark and the server stops reading. The writer blocks then, until the socket is closed.
            Thread writer = RawPeer.writeInBackground(peer, RawPeer.frame(RawPeer.REQUEST, 1,
                RawPeer.requestPayload("echo", new byte[60_000])), 400);
            Conditions.await("reading suspended", Duration.ofSeconds(20),
                () -> server.metrics().read(Metric.READS_SUSPENDED) == 1);
            clock.advance(Duration.ofSeconds(10));
            Conditions.await("write timeout reported", Duration.ofSeconds(10), () -> !errors.isEmpty());
            assertTrue(errors.peek().startsWith("TIMEOUT: queued output"), errors.toString());
            assertTrue(errors.peek().endsWith("made no progress for 10000 ms"), errors.toString());
            Conditions.await("connection closed", Duration.ofSeconds(10),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 0);
            assertEquals(0, server.metrics().read(Metric.OUTBOUND_BYTES));
            writer.join(10_000);
            assertFalse(writer.isAlive(), "the server's close ended the peer's blocked write");
        }
    }

    @Test
    void shouldFailAConnectThatDoesNotCompleteHelloInTime() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            ClientOptions options = ClientOptions.builder().clock(clock)
                .connection(noTimers().handshakeTimeout(Duration.ofSeconds(4)).build()).build();
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), options);
            assertEquals(RawPeer.HELLO, raw.acceptAndReadHello().type(), "the client sent HELLO; no answer comes");
            clock.advance(Duration.ofSeconds(4));
            ExecutionException e = assertThrows(ExecutionException.class,
                () -> connecting.get(10, TimeUnit.SECONDS));
            ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
            assertEquals(ErrorCode.TIMEOUT, closed.code());
            assertTrue(closed.getMessage().contains("HELLO did not complete within 4000 ms"), closed.getMessage());
        }
    }

    @Test
    void shouldFailATransportConnectThatDoesNotComplete() throws Exception {
        // A listener that never accepts, with its accept queue filled: Linux then drops further SYNs, so a new
        // connect stays pending (the kernel retransmits the SYN for a minute or more).
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(),
                        full.getLocalPort()));
                    fillers.add(ch.socket());
                }
                CompletableFuture<Void> started = new CompletableFuture<>();
                ClientOptions options = ClientOptions.builder().clock(clock).connectTimeout(Duration.ofSeconds(3))
                    .connection(noTimers().build()).stateListener((state, detail) -> started.complete(null))
                    .build();
                CompletableFuture<Client> connecting =
                    Client.connectAsync("tcp://127.0.0.1:" + full.getLocalPort(), options);
                started.get(10, TimeUnit.SECONDS);
                assertFalse(connecting.isDone(), "the connect is pending");
                clock.advance(Duration.ofSeconds(3));
                ExecutionException e = assertThrows(ExecutionException.class,
                    () -> connecting.get(10, TimeUnit.SECONDS));
                ConnectionClosedException closed = assertInstanceOf(ConnectionClosedException.class, e.getCause());
                assertEquals(ErrorCode.TIMEOUT, closed.code());
                assertTrue(closed.getMessage().contains("transport connect did not complete within 3000 ms"),
                    closed.getMessage());
            } finally {
                for (java.net.Socket s : fillers) {
                    s.close();
                }
            }
        }
    }
}
