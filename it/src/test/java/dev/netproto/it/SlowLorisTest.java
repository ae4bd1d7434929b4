package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AdmissionOptions;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 500 connections trickle one byte per (simulated) second: 250 never finish HELLO, 250 finish it and never finish
 * a frame. The server's clock is a {@link ManualClock} advanced one second per round, so the handshake and idle
 * timeouts fire on schedule without the test waiting for them; meanwhile a normal client keeps making requests.
 */
@Timeout(120)
class SlowLorisTest {
    private static final int PER_KIND = 250;

    @Test
    void shouldCloseTricklingConnectionsWhileServingANormalClient() throws Exception {
        ManualClock clock = new ManualClock();
        // 500 connections from one address in a moment: over the default per-source rate, which is not what this
        // test is about (AdmissionTest is).
        Server server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(2).clock(clock)
            .admission(AdmissionOptions.builder().sourceConnectionRate(0, 1).build())
            .connection(ConnectionOptions.builder().handshakeTimeout(Duration.ofSeconds(2))
                .idleTimeout(Duration.ofSeconds(4)).heartbeat(Duration.ZERO, 1).build())
            .route("echo", (m, r) -> r.send(m.body()))
            .start();
        List<RawPeer> beforeHello = new ArrayList<>();
        List<RawPeer> midFrame = new ArrayList<>();
        List<Long> latenciesUs = new ArrayList<>();
        try (Client normal = Client.connect(server.endpoints().get(0).toString(), ClientOptions.defaults())) {
            byte[] hello = RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(1 << 20, "none"));
            byte[] request = RawPeer.frame(RawPeer.REQUEST, 1, RawPeer.requestPayload("echo", new byte[100]));
            for (int i = 0; i < PER_KIND; i++) {
                beforeHello.add(new RawPeer(server.endpoints().get(0)));
                RawPeer p = new RawPeer(server.endpoints().get(0));
                p.handshake();
                midFrame.add(p);
            }
            Conditions.await("501 connections", Duration.ofSeconds(30),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 2 * PER_KIND + 1);
            for (int second = 0; second < 6; second++) {
                for (RawPeer p : beforeHello) {
                    trickle(p, hello, second);
                }
                for (RawPeer p : midFrame) {
                    trickle(p, request, second);
                }
                for (int i = 0; i < 50; i++) {
                    long start = System.nanoTime();
                    assertEquals(8, normal.request("echo", new byte[8]).get(10, TimeUnit.SECONDS).bodyLength());
                    latenciesUs.add((System.nanoTime() - start) / 1000);
                }
                clock.advance(Duration.ofSeconds(1));
            }
            Conditions.await("every trickling connection closed", Duration.ofSeconds(30),
                () -> server.metrics().read(Metric.CONNECTIONS_ACTIVE) == 1);
            assertEquals(2 * PER_KIND, server.metrics().errors(ErrorCode.TIMEOUT));
            for (int i = 0; i < 10; i++) {
                assertEquals(ErrorCode.TIMEOUT.code(), beforeHello.get(i).readClose().code());
                assertEquals(ErrorCode.TIMEOUT.code(), midFrame.get(i).readClose().code());
            }
            assertTrue(normal.isOpen(), "the normal client was never idle");
            long[] sorted = latenciesUs.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("slow loris: normal client %d requests, p50=%d us p99=%d us max=%d us%n",
                sorted.length, sorted[sorted.length / 2], sorted[sorted.length * 99 / 100],
                sorted[sorted.length - 1]);
            assertEquals(300, Arrays.stream(sorted).count());
        } finally {
            for (RawPeer p : beforeHello) {
                p.close();
            }
            for (RawPeer p : midFrame) {
                p.close();
            }
            server.close(Duration.ofSeconds(2));
        }
    }

    /** Writes the {@code second}-th byte of the frame; a peer the server already closed just stops. */
    private static void trickle(RawPeer p, byte[] frame, int second) {
        try {
            p.write(new byte[] {frame[second]});
        } catch (IOException closedByServer) {
            // Expected once the timeout fired: the server reset the connection.
        }
    }
}
