package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import dev.netproto.api.spi.MetricsSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's memory budget. Issue #13, item 2: peers that send 1 MiB requests and never read their answers must
 * not exhaust the server's direct memory. The server runs in a child JVM limited to {@value #MAX_DIRECT_MB} MiB of
 * direct memory with the default memory budget (three quarters of that); {@value #HOSTILE_PEERS} raw peers each send
 * {@value #REQUESTS_PER_PEER} requests of 1 MiB and never read, and meanwhile a well-behaved client makes
 * {@value #LEGITIMATE_REQUESTS} requests. The client must see no error, the server must throw no
 * {@link OutOfMemoryError} and never reserve more than its budget, and the hostile peers must be paused (their
 * connections stay open, their reading stopped), not served at the expense of the others. The other tests use a
 * small budget in this JVM: a response that does not fit is answered OVERLOADED, and a frame that never could is
 * refused with FRAME_TOO_LARGE.
 */
@Timeout(120)
class MemoryBudgetTest {
    private static final int MAX_DIRECT_MB = 96;
    /** The default budget: three quarters of the JVM's direct-memory limit. */
    private static final long BUDGET = MAX_DIRECT_MB * 1024L * 1024 / 4 * 3;
    private static final int HOSTILE_PEERS = 60;
    private static final int REQUESTS_PER_PEER = 4;
    private static final int BODY_LENGTH = 1 << 20;
    /** Hostile frames go out in parts of this size, so that the test JVM's temporary direct buffers stay small. */
    private static final int WRITE_CHUNK = 64 * 1024;
    private static final int LEGITIMATE_REQUESTS = 200;
    private static final Pattern STAT = Pattern.compile("(\\w+)=(-?\\d+)");
    /** The smallest budget a server accepts: 1 MiB, high-water mark 896 KiB. */
    private static final long SMALL_BUDGET = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void shouldPauseNonReadingPeersAndServeOthersWithinTheBudget() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-XX:MaxDirectMemorySize=" + MAX_DIRECT_MB + "m",
            "-Dnetproto.buffers.leakCheck=true", "-cp", System.getProperty("java.class.path"),
            MemoryBudgetServer.class.getName());
        try (PeerProcess server = PeerProcess.start(dir, command)) {
            server.awaitOutput("port ", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("port (\\d+)").matcher(server.output());
            assertTrue(m.find(), server::describe);
            Endpoint endpoint = Endpoint.parse("tcp://127.0.0.1:" + m.group(1));
            List<RawPeer> hostile = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            AtomicInteger stats = new AtomicInteger();
            try {
                byte[] request = RawPeer.frame(RawPeer.REQUEST, 1, RawPeer.requestPayload("echo",
                    new byte[BODY_LENGTH]));
                for (int i = 0; i < HOSTILE_PEERS; i++) {
                    RawPeer peer = new RawPeer(endpoint);
                    hostile.add(peer);
                    peer.handshake();
                    writers.add(Thread.ofVirtual().name("hostile-" + i).start(() -> sendAndNeverRead(peer, request)));
                }
                // The budget is under pressure once it has refused memory: from then on the hostile peers are held
                // back while the client below is served. (Without a budget the server runs out of direct memory.)
                server.write("await memory_refusals\n".getBytes(StandardCharsets.UTF_8));
                Conditions.await("the memory budget refusing memory", Duration.ofSeconds(60),
                    () -> server.output().contains("awaited memory_refusals")
                        || server.output().contains("OutOfMemoryError"));
                int errors = 0;
                String firstError = null;
                try (Client client = Client.connect(endpoint.toString(), ClientOptions.defaults())) {
                    byte[] body = new byte[1024];
                    for (int i = 0; i < LEGITIMATE_REQUESTS; i++) {
                        body[0] = (byte) i;
                        try {
                            byte[] answer = client.request("echo", body).get(10, TimeUnit.SECONDS).bodyBytes();
                            if (answer.length != body.length || answer[0] != (byte) i) {
                                errors++;
                            }
                        } catch (Exception e) {
                            errors++;
                            firstError = firstError == null ? e.toString() : firstError;
                        }
                    }
                }
                Map<String, Long> after = stats(server, stats);
                String report = "client errors=" + errors + " (first: " + firstError + "); server " + after + "\n"
                    + server.describe();
                assertEquals(0, errors, report);
                assertFalse(server.output().contains("OutOfMemoryError"), report);
                assertEquals(0, after.get("error_internal_error"), report);
                long peak = after.getOrDefault("memory_reserved_peak", -1L);
                assertTrue(peak > 0 && peak <= BUDGET, "peak reserved " + peak + " > budget " + BUDGET + "\n"
                    + report);
                // Every hostile connection is still open (paused, not closed), and reading was suspended.
                assertTrue(after.get("connections_active") >= HOSTILE_PEERS, report);
                assertTrue(after.get("reads_suspended") >= 1, report);
                System.out.println("MemoryBudgetTest: budget=" + BUDGET + " peak_reserved=" + peak
                    + " reserved=" + after.get("memory_reserved") + " refusals=" + after.get("memory_refusals")
                    + " reads_suspended=" + after.get("reads_suspended") + " client_errors=" + errors);
            } finally {
                for (RawPeer peer : hostile) {
                    peer.close();
                }
                for (Thread t : writers) {
                    t.join(Duration.ofSeconds(10));
                }
            }
        }
    }

    @Test
    void shouldAnswerOverloadedWhenAResponseDoesNotFitTheBudgetAndServeAgainOnceItDoes() throws Exception {
        byte[] big = new byte[400_000];
        try (Server server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1).memoryBudget(SMALL_BUDGET)
            .route("big", (m, r) -> r.send(big)).start();
             RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            // Both requests arrive in one read: the first response takes a 512 KiB segment, and a second one would
            // pass the high-water mark (seven eighths of 1 MiB).
            byte[] request = RawPeer.requestPayload("big", new byte[0]);
            peer.write(RawPeer.concat(RawPeer.frame(RawPeer.REQUEST, 1, request),
                RawPeer.frame(RawPeer.REQUEST, 2, request)));
            RawPeer.Frame first = peer.read();
            assertEquals(RawPeer.RESPONSE, first.type());
            assertEquals(1, first.requestId());
            assertEquals(big.length, first.payload().length);
            RawPeer.Frame second = peer.read();
            assertEquals(RawPeer.ERROR, second.type(), second::text);
            assertEquals(2, second.requestId());
            assertEquals(ErrorCode.OVERLOADED.code(), second.code());
            assertTrue(second.text().contains("response of 400000 bytes refused: the server's memory budget of "
                + SMALL_BUDGET + " bytes has no room for it"), second.text());
            // The first response was written, so its segment is free again: the connection reads again.
            peer.write(RawPeer.frame(RawPeer.REQUEST, 3, request));
            RawPeer.Frame third = peer.read();
            assertEquals(RawPeer.RESPONSE, third.type(), third::text);
            assertEquals(3, third.requestId());
            MetricsSource metrics = server.metrics();
            assertTrue(metrics.read(Metric.MEMORY_REFUSALS) >= 1, metrics::toString);
            assertEquals(1, metrics.errors(ErrorCode.OVERLOADED), metrics::toString);
            assertTrue(metrics.read(Metric.MEMORY_RESERVED_PEAK) <= SMALL_BUDGET, metrics::toString);
            assertTrue(metrics.read(Metric.MEMORY_RESERVED) > 0, metrics::toString);
        }
    }

    @Test
    void shouldAnnounceNoLargerFramesThanTheBudgetCanBufferAndRefuseThemNamingIt() throws Exception {
        try (Server server = Server.builder().listen("tcp://127.0.0.1:0").memoryBudget(SMALL_BUDGET)
            .route("echo", (m, r) -> r.send(m.body())).start();
             RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            RawPeer.Frame hello = peer.handshake();
            int announced = helloMaxFrameLength(hello.payload());
            // The largest buffer under the high-water mark (896 KiB) is 512 KiB, for the header and payload.
            assertTrue(announced < 512 * 1024 && announced > 500 * 1024, String.valueOf(announced));
            peer.write(RawPeer.frame(RawPeer.MAGIC, 1, RawPeer.REQUEST, 0, 1, announced + 1, new byte[0]));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), close.code());
            assertTrue(close.text().contains("memory budget of " + SMALL_BUDGET + " bytes"), close.text());
        }
    }

    /** The maximum frame length (option 2) of a HELLO payload. */
    private static int helloMaxFrameLength(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.remaining() >= 4) {
            int key = b.getShort() & 0xFFFF;
            int length = b.getShort() & 0xFFFF;
            if (key == 2) {
                return b.getInt();
            }
            b.position(b.position() + length);
        }
        throw new AssertionError("HELLO without a maximum frame length");
    }

    /** Sends the requests in parts and never reads; ends when the test closes the socket. */
    private static void sendAndNeverRead(RawPeer peer, byte[] request) {
        try {
            for (int i = 0; i < REQUESTS_PER_PEER; i++) {
                for (int at = 0; at < request.length; at += WRITE_CHUNK) {
                    peer.write(request, at, Math.min(WRITE_CHUNK, request.length - at));
                }
            }
        } catch (IOException expected) {
            // The test closed the socket while the write was blocked: the server had stopped reading.
        }
    }

    /** Asks the server for its metrics and waits for the answer. */
    private static Map<String, Long> stats(PeerProcess server, AtomicInteger counter)
        throws IOException, InterruptedException {
        int n = counter.incrementAndGet();
        server.write("stats\n".getBytes(StandardCharsets.UTF_8));
        String tag = "stats#" + n + " ";
        server.awaitOutput(tag, Duration.ofSeconds(30));
        String out = server.output();
        int start = out.indexOf(tag);
        int end = out.indexOf(" end", start);
        Map<String, Long> values = new HashMap<>();
        Matcher m = STAT.matcher(out.substring(start, end));
        while (m.find()) {
            values.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return values;
    }
}
