package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AdmissionOptions;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.ServerBuilder;
import dev.netproto.api.spi.Metric;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Admission (issue #13, item 5): connections that never finish HELLO, a source that opens connections too fast or
 * holds too many, and a peer that trickles a frame, each while a normal client from another loopback address
 * (127.0.0.1; the others come from 127.0.0.2) keeps being served.
 */
@Timeout(60)
class AdmissionTest {
    private static final InetAddress OTHER_SOURCE = loopback(2);

    private final List<RawPeer> peers = new ArrayList<>();
    private Server server;

    @AfterEach
    void closeAll() throws Exception {
        for (RawPeer p : peers) {
            p.close();
        }
        if (server != null) {
            server.close(Duration.ofSeconds(2));
        }
    }

    private static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static ServerBuilder server() {
        return Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1).route("echo", (m, r) -> r.send(m.body()));
    }

    private Endpoint endpoint() {
        return server.endpoints().get(0);
    }

    private RawPeer peerFromOtherSource() throws Exception {
        RawPeer p = new RawPeer(endpoint(), OTHER_SOURCE);
        peers.add(p);
        return p;
    }

    private void assertServed(Client client, int requests) throws Exception {
        for (int i = 0; i < requests; i++) {
            assertEquals(16, client.request("echo", new byte[16]).get(10, TimeUnit.SECONDS).bodyLength());
        }
    }

    @Test
    void shouldDisplaceTheLongestWaitingConnectionSoThatIdleConnectsCannotLockClientsOut() throws Exception {
        // Before the budget, 100 connections that send nothing filled max_connections = 100 until their HELLO
        // timeout, and every new client was told TOO_MANY_CONNECTIONS.
        server = server().maxConnections(100)
            .admission(AdmissionOptions.builder().maxPendingConnections(8).sourceConnectionRate(0, 1).build())
            .start();
        for (int i = 0; i < 300; i++) {
            peerFromOtherSource();
        }
        Conditions.await("at most 8 connections waiting for HELLO", Duration.ofSeconds(20),
            () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 8);
        try (Client client = Client.connect(endpoint().toString(), ClientOptions.defaults())) {
            assertServed(client, 20);
        }
        RawPeer first = peers.get(0);
        RawPeer.Frame close = first.readClose();
        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS.code(), close.code());
        assertTrue(close.text().startsWith("displaced: 8 connections on this loop had not finished HELLO"),
            close.text());
        // The newest idle ones are still waiting; one that now sends HELLO is served.
        RawPeer last = peers.get(peers.size() - 1);
        assertEquals(RawPeer.HELLO, last.handshake().type());
    }

    @Test
    void shouldRefuseASourceOverItsRateAtAcceptAndServeOthers() throws Exception {
        ManualClock clock = new ManualClock();
        server = server().clock(clock)
            .admission(AdmissionOptions.builder().sourceConnectionRate(5, 5).build()).start();
        for (int i = 0; i < 5; i++) {
            assertEquals(RawPeer.HELLO, peerFromOtherSource().handshake().type(), "within the burst: " + i);
        }
        // The sixth is told at once, without having sent anything.
        RawPeer.Frame refused = peerFromOtherSource().readClose();
        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS.code(), refused.code());
        assertEquals("refused: 127.0.0.2 opens connections faster than 5 per second (burst 5)", refused.text());
        try (Client client = Client.connect(endpoint().toString(), ClientOptions.defaults())) {
            assertServed(client, 5);
        }
        clock.advance(Duration.ofMillis(400));
        assertEquals(RawPeer.HELLO, peerFromOtherSource().handshake().type(), "two more after 400 ms at 5/s");
        assertEquals(RawPeer.HELLO, peerFromOtherSource().handshake().type());
        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS.code(), peerFromOtherSource().readClose().code());
        assertEquals(2, server.metrics().errors(ErrorCode.TOO_MANY_CONNECTIONS));
    }

    @Test
    void shouldTellAReferenceClientWhyItsSourceWasRefused() throws Exception {
        server = server().admission(AdmissionOptions.builder().maxConnectionsPerSource(1).build()).start();
        try (Client first = Client.connect(endpoint().toString(), ClientOptions.defaults())) {
            assertServed(first, 1);
            ConnectionClosedException e = assertThrows(ConnectionClosedException.class,
                () -> Client.connect(endpoint().toString(), ClientOptions.defaults()).close());
            assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, e.code(), e.getMessage());
            assertTrue(e.getMessage().endsWith("closed by peer: refused: 127.0.0.1 holds its maximum of 1 connections"),
                e.getMessage());
        }
    }

    @Test
    void shouldLimitConnectionsPerSourceAndGiveThePlaceBackOnClose() throws Exception {
        server = server().admission(AdmissionOptions.builder().maxConnectionsPerSource(3).build()).start();
        List<RawPeer> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RawPeer p = peerFromOtherSource();
            p.handshake();
            three.add(p);
        }
        RawPeer.Frame refused = peerFromOtherSource().readClose();
        assertEquals(ErrorCode.TOO_MANY_CONNECTIONS.code(), refused.code());
        assertEquals("refused: 127.0.0.2 holds its maximum of 3 connections", refused.text());
        try (Client client = Client.connect(endpoint().toString(), ClientOptions.defaults())) {
            assertServed(client, 5);
            three.get(0).close();
            Conditions.await("the closed connection's place given back", Duration.ofSeconds(10),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 3);
            assertEquals(RawPeer.HELLO, peerFromOtherSource().handshake().type());
        }
    }

    @Test
    void shouldCloseAPeerThatTricklesAFrameAfterTheFrameTimeoutNotTheIdleTimeout() throws Exception {
        ManualClock clock = new ManualClock();
        server = server().clock(clock).connection(ConnectionOptions.builder().frameTimeout(Duration.ofSeconds(5))
            .idleTimeout(Duration.ofMinutes(2)).heartbeat(Duration.ZERO, 1).build()).start();
        RawPeer small = peerFromOtherSource();
        small.handshake();
        RawPeer large = peerFromOtherSource();
        large.handshake();
        long before = server.metrics().read(Metric.BYTES_RECEIVED);
        byte[] request = RawPeer.frame(RawPeer.REQUEST, 1, RawPeer.requestPayload("echo", new byte[100]));
        small.write(Arrays.copyOf(request, 20));
        // The header of a 1 MiB frame and a few bytes: it gets 16 s more than the small one (1 s per 64 KiB).
        byte[] big = RawPeer.frame(RawPeer.REQUEST, 1, RawPeer.requestPayload("echo", new byte[1 << 20]));
        large.write(Arrays.copyOf(big, 40));
        // Received before the clock moves, so that both frames are timed from the clock's present value.
        Conditions.await("both partial frames received", Duration.ofSeconds(10),
            () -> server.metrics().read(Metric.BYTES_RECEIVED) == before + 60);
        try (Client client = Client.connect(endpoint().toString(), ClientOptions.defaults())) {
            clock.advance(Duration.ofSeconds(6));
            RawPeer.Frame close = small.readClose();
            assertEquals(ErrorCode.TIMEOUT.code(), close.code());
            assertEquals("frame incomplete after 6000 ms (20 of " + request.length + " bytes of a frame); allowed "
                + (5000 + request.length * 1000L / (64 * 1024)) + " ms", close.text());
            small.close();
            Conditions.await("the small frame's sender gone", Duration.ofSeconds(10),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 2);
            assertServed(client, 5);
            clock.advance(Duration.ofSeconds(15));
            assertServed(client, 5);
            assertEquals(2, server.metrics().read(Metric.CONNECTIONS_ACTIVE), "the large frame's sender stays");
            clock.advance(Duration.ofSeconds(2));
            RawPeer.Frame closeLarge = large.readClose();
            assertEquals(ErrorCode.TIMEOUT.code(), closeLarge.code());
            assertTrue(closeLarge.text().startsWith("frame incomplete after 23000 ms (40 of " + big.length
                + " bytes of a frame)"), closeLarge.text());
            assertServed(client, 5);
        }
    }
}
