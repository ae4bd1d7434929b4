package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Message;
import dev.netproto.api.Reply;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Large echoes over loopback with many requests in flight, so that the server's reads cut frames: a cut frame is read
 * into a buffer of its own, and a handler that answers with the request's own body sends that buffer without a copy.
 * The handler checks that its message still reads the same after it answered, and the suite's leak check
 * ({@code netproto.buffers.leakCheck}) fails the server's close if a buffer handed from the reader to the output
 * queue were lost or released twice.
 */
@Timeout(60)
class LargeEchoTest {
    /** Body lengths whose frames ({@code 16 + 1 + 4 + body} bytes with route "echo") fall around 16 and 32 KiB. */
    private static final int[] SIZES = {16_362, 16_363, 16_364, 16_384, 32_747, 40_000, 100, 16_000};
    private final ConcurrentLinkedQueue<String> broken = new ConcurrentLinkedQueue<>();
    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close(Duration.ofSeconds(2));
            assertEquals(0, server.metrics().read(Metric.BUFFERS_IN_USE));
        }
        assertEquals(List.of(), List.copyOf(broken), "a message changed while its handler ran");
    }

    private static byte[] body(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + (i >> 7) + seed * 17);
        }
        return b;
    }

    /** Answers with the request's own body view, then checks that the message still reads as it did. */
    private void echoOwn(Message m, Reply r) {
        byte[] before = m.bodyBytes();
        r.send(m.body());
        if (!Arrays.equals(before, m.bodyBytes()) || !"echo".equals(m.route())) {
            broken.add("request " + m.requestId());
        }
    }

    /** Answers with all of the body but its first byte: not the body's own view, so it is copied. */
    private void echoTail(Message m, Reply r) {
        ByteBuffer b = m.body();
        b.position(b.position() + 1);
        r.send(b);
    }

    private Server start(boolean tail) {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1)
            .route("echo", tail ? this::echoTail : this::echoOwn).start();
        return server;
    }

    private void exchange(ClientOptions options, int connections, int requests, boolean tail) throws Exception {
        String uri = server.endpoints().get(0).toString();
        List<Client> clients = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                clients.add(Client.connect(uri, options));
            }
            // In rounds of 24 requests per connection (at most about 600 KiB), under a client's high watermark.
            int round = 24 * connections;
            for (int from = 0; from < requests; from += round) {
                List<CompletableFuture<Message>> answers = new ArrayList<>();
                for (int i = from; i < from + round; i++) {
                    answers.add(clients.get(i % connections).request("echo", body(SIZES[i % SIZES.length], i)));
                }
                for (int i = from; i < from + round; i++) {
                    byte[] sent = body(SIZES[i % SIZES.length], i);
                    byte[] expected = tail ? Arrays.copyOfRange(sent, 1, sent.length) : sent;
                    assertArrayEquals(expected, answers.get(i - from).get(30, TimeUnit.SECONDS).bodyBytes(),
                        "request " + i);
                }
            }
        } finally {
            for (Client c : clients) {
                c.close();
            }
        }
    }

    @Test
    void shouldEchoLargeRequestsInFlightWithTheirOwnBuffers() throws Exception {
        start(false);
        exchange(ClientOptions.defaults(), 4, 1_920, false);
    }

    @Test
    void shouldEchoAPartOfTheBodyByCopying() throws Exception {
        start(true);
        exchange(ClientOptions.defaults(), 2, 960, true);
    }

    @Test
    void shouldEchoLargeRequestsInFlightWhenCompressionIsNegotiated() throws Exception {
        start(false);
        exchange(ClientOptions.builder().compression("deflate").build(), 2, 960, false);
    }

    /**
     * Two requests (a large one and a small one) written in two parts, the second only once the server has read the
     * first (so that the server sees the cut), the cut at each
     * byte near the ends of the large frame's header and frame and in its middle, for frame lengths around 16 KiB.
     */
    @Test
    void shouldEchoFramesCutAtEveryPositionAroundTheLargeFrameThreshold() throws Exception {
        start(false);
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            int id = 1;
            for (int frameLength : new int[] {16_383, 16_384, 16_385, 16_405}) {
                byte[] large = body(frameLength - 16 - 5, frameLength);
                List<Integer> cuts = new ArrayList<>();
                for (int cut = 1; cut <= 24; cut++) {
                    cuts.add(cut);
                    cuts.add(frameLength - cut);
                }
                cuts.add(frameLength / 2);
                for (int cut : cuts) {
                    byte[] stream = RawPeer.concat(
                        RawPeer.frame(RawPeer.REQUEST, id, RawPeer.requestPayload("echo", large)),
                        RawPeer.frame(RawPeer.REQUEST, id + 1, RawPeer.requestPayload("echo", new byte[] {7})));
                    long received = server.metrics().read(Metric.BYTES_RECEIVED);
                    peer.write(stream, 0, cut);
                    Conditions.await("the first part read", Duration.ofSeconds(10),
                        () -> server.metrics().read(Metric.BYTES_RECEIVED) == received + cut);
                    peer.write(stream, cut, stream.length - cut);
                    RawPeer.Frame first = peer.read();
                    RawPeer.Frame second = peer.read();
                    assertNotNull(second, "frame of " + frameLength + " cut at " + cut);
                    assertEquals(id, first.requestId(), "frame of " + frameLength + " cut at " + cut);
                    assertArrayEquals(large, first.payload(), "frame of " + frameLength + " cut at " + cut);
                    assertEquals(id + 1, second.requestId());
                    assertArrayEquals(new byte[] {7}, second.payload());
                    id += 2;
                }
            }
        }
    }
}
