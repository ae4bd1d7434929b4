package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Message;
import dev.netproto.api.Server;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The opt-in idle spin (ServerBuilder.idleSpin, ClientOptions.Builder.idleSpin) must not lose wake-ups: a loop that
 * spins, then blocks, must still see I/O and tasks handed over from other threads, whether they arrive during the
 * spin (the producer sees no wake-up flag and relies on the loop's polling) or after it (the usual wake-up). These
 * are correctness tests: they check every answer arrives, not how fast.
 */
@Timeout(60)
class IdleSpinTest {
    /** Pauses between requests: none and short ones land inside a 2 ms spin, the long ones after it. */
    private static final long[] PAUSES_US = {0, 0, 100, 500, 1_000, 5_000, 20_000, 0, 3_000, 0};

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String start(Duration spin) {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1).idleSpin(spin)
            .route("echo", (m, r) -> r.send(m.body()))
            // Answered from another thread: the reply reaches the spinning server loop as a task.
            .blockingRoute("blocking", (m, r) -> r.send(m.bodyBytes()))
            .start();
        return server.endpoints().get(0).toString();
    }

    @Test
    void shouldAnswerEveryRequestWhenBothSidesSpin() throws Exception {
        String uri = start(Duration.ofMillis(2));
        ClientOptions options = ClientOptions.builder().idleSpin(Duration.ofMillis(2)).build();
        try (Client client = Client.connect(uri, options)) {
            exchange(client, "echo", 100);
            exchange(client, "blocking", 100);
        }
    }

    @Test
    void shouldAnswerEveryRequestWhenOnlyTheServerSpins() throws Exception {
        String uri = start(Duration.ofMillis(10));
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            exchange(client, "echo", 60);
            exchange(client, "blocking", 60);
        }
    }

    @Test
    void shouldAnswerEveryRequestWhenOnlyTheClientSpins() throws Exception {
        String uri = start(Duration.ZERO);
        ClientOptions options = ClientOptions.builder().idleSpin(Duration.ofMillis(10)).build();
        try (Client client = Client.connect(uri, options)) {
            exchange(client, "echo", 60);
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsFromSeveralThreadsWhileSpinning() throws Exception {
        String uri = start(Duration.ofMillis(1));
        ClientOptions options = ClientOptions.builder().idleSpin(Duration.ofMillis(1)).build();
        try (Client client = Client.connect(uri, options)) {
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<Message>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 200; i++) {
                        futures.add(client.request(i % 2 == 0 ? "echo" : "blocking", utf8(thread + "-" + i)));
                        if (i % 50 == 0) {
                            sleepMicros(2_000);
                        }
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(800, futures.size());
            for (CompletableFuture<Message> f : futures) {
                assertTrue(f.get(10, TimeUnit.SECONDS).bodyLength() > 0);
            }
        }
    }

    @Test
    void shouldStopAServerWhoseLoopSpins() throws Exception {
        String uri = start(Duration.ofMillis(10));
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            exchange(client, "echo", 5);
            long started = System.nanoTime();
            server.close(Duration.ofSeconds(5));
            server = null;
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "close waited for the grace period");
        }
    }

    @Test
    void shouldRefuseAnIdleSpinOutsideZeroToTenMilliseconds() {
        ConfigurationException server = assertThrows(ConfigurationException.class, () -> Server.builder()
            .listen("tcp://127.0.0.1:0").idleSpin(Duration.ofMillis(11)).build());
        assertTrue(server.problems().stream().anyMatch(p -> p.startsWith("idle_spin: ")), server.problems()::toString);
        ConfigurationException negative = assertThrows(ConfigurationException.class, () -> Server.builder()
            .listen("tcp://127.0.0.1:0").idleSpin(Duration.ofNanos(-1)).build());
        assertTrue(negative.problems().stream().anyMatch(p -> p.startsWith("idle_spin: ")));
        ConfigurationException client = assertThrows(ConfigurationException.class,
            () -> ClientOptions.builder().idleSpin(Duration.ofMillis(11)).build());
        assertTrue(client.problems().stream().anyMatch(p -> p.startsWith("idle_spin: ")), client.problems()::toString);
        assertEquals(Duration.ofMillis(10), ClientOptions.builder().idleSpin(Duration.ofMillis(10)).build().idleSpin());
        assertEquals(Duration.ZERO, ClientOptions.defaults().idleSpin());
        assertEquals(Duration.ZERO, Server.builder().listen("tcp://127.0.0.1:0").build().idleSpin());
    }

    /** Sends requests one at a time, pausing between them, and checks each answer. */
    private static void exchange(Client client, String route, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] body = utf8(route + " " + i);
            Message response = client.request(route, body).get(10, TimeUnit.SECONDS);
            assertArrayEquals(body, response.bodyBytes(), route + " " + i);
            sleepMicros(PAUSES_US[i % PAUSES_US.length]);
        }
    }

    private static void sleepMicros(long micros) {
        if (micros > 0) {
            try {
                TimeUnit.MICROSECONDS.sleep(micros);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
