package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.NoisePublicKey;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.security.noise.NoiseKeyPair;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #13, item 1: a peer with no key floods the server with bogus first Noise messages (a fresh random
 * "ephemeral key" and a valid timestamp each, as fast as it can, from 127.0.0.2) for 60 s, while a client with an
 * authorized key (from 127.0.0.1) makes 100 handshakes spread over the flood, each of which must complete within
 * 1 s. Before the fix, the bogus messages filled the server's replay cache and every later handshake was refused
 * ({@code FULL}); now nothing an unauthenticated peer sends is remembered, and the source's connection rate bounds
 * the Diffie-Hellman work it can cost the server.
 *
 * <p>The flood's length is {@code -Dnetproto.flood.seconds} (default 60, the figure).
 */
@Timeout(180)
class NoiseFloodTest {
    private static final int FLOODERS = 6;
    private static final int HANDSHAKES = 100;
    private static final long FLOOD_NS = TimeUnit.SECONDS.toNanos(Long.getLong("netproto.flood.seconds", 60));
    private static final long HANDSHAKE_LIMIT_NS = TimeUnit.SECONDS.toNanos(1);

    private final NoiseKeyPair serverKeys = NoiseKeyPair.generate();
    private final NoiseKeyPair clientKeys = NoiseKeyPair.generate();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    @Test
    void shouldServeAnAuthorizedClientDuringAFloodOfBogusFirstMessages() throws Exception {
        Server server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(2)
            .security(Security.noise(NoiseOptions.builder()
                .identity(NoiseIdentity.fromPrivateKey(serverKeys.privateKey()))
                .authorizedKeys(AuthorizedKeys.of(NoisePublicKey.of(clientKeys.publicKey()))).build()))
            .route("echo", (m, r) -> r.send(m.body()))
            .start();
        ClientOptions client = ClientOptions.builder().security(Security.noise(NoiseOptions.builder()
            .identity(NoiseIdentity.fromPrivateKey(clientKeys.privateKey()))
            .serverKey(NoisePublicKey.of(serverKeys.publicKey())).build())).build();
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.endpoints().get(0).port());
        long start = System.nanoTime();
        long end = start + FLOOD_NS;
        List<Thread> flooders = new ArrayList<>();
        List<Long> handshakeMs = new ArrayList<>();
        try {
            for (int i = 0; i < FLOODERS; i++) {
                flooders.add(Thread.ofPlatform().daemon().name("flooder-" + i).start(() -> flood(target, end)));
            }
            for (int i = 0; i < HANDSHAKES; i++) {
                // Spread over the flood, so that the last ones meet whatever it has built up.
                LockSupport.parkNanos(start + FLOOD_NS * i / HANDSHAKES - System.nanoTime());
                long t0 = System.nanoTime();
                try (Client c = Client.connect(server.endpoints().get(0).toString(), client)) {
                    handshakeMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    assertEquals(4, c.request("echo", new byte[4]).get(10, TimeUnit.SECONDS).bodyLength());
                }
            }
            for (Thread t : flooders) {
                t.join(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 10_000);
            }
        } finally {
            server.close(Duration.ofSeconds(2));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long slowest = handshakeMs.stream().mapToLong(Long::longValue).max().orElseThrow();
        long[] sorted = handshakeMs.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("noise flood: %.1f s, %d bogus first messages sent: %d answered (DH done), %d refused"
                + " at accept (TOO_MANY_CONNECTIONS), %d failed; authorized client %d/%d handshakes, p50 %d ms,"
                + " max %d ms%n", seconds, attempts.get(), answered.get(), refused.get(), failed.get(),
            handshakeMs.size(), HANDSHAKES, sorted[sorted.length / 2], slowest);
        assertEquals(HANDSHAKES, handshakeMs.size());
        assertTrue(slowest < TimeUnit.NANOSECONDS.toMillis(HANDSHAKE_LIMIT_NS), "slowest handshake " + slowest
            + " ms");
        assertTrue(attempts.get() > 1_000, "the flood ran at speed: " + attempts.get());
        // The source's rate (default 200 per second, bursts of 400) bounds what the flood made the server compute.
        assertTrue(answered.get() <= 200 * (seconds + 1) + 400, "answered " + answered.get());
        assertTrue(refused.get() > 0, "refused at accept");
    }

    /** One flooder: bogus first messages over fresh connections from 127.0.0.2 until the deadline. */
    private void flood(InetSocketAddress target, long end) {
        SecureRandom random = new SecureRandom();
        byte[] hello = RawPeer.frame(RawPeer.HELLO, 0,
            RawNoisePeer.helloPayload(RawNoisePeer.noiseProtocols(RawNoisePeer.xx("ChaChaPoly"))));
        InetSocketAddress source;
        try {
            source = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}), 0);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        while (System.nanoTime() - end < 0) {
            attempts.incrementAndGet();
            byte[] first = new byte[32 + 8];
            random.nextBytes(first);
            ByteBuffer.wrap(first, 32, 8).putLong(System.currentTimeMillis());
            try (Socket s = new Socket()) {
                // Reset on close, as a flooder would: no TIME_WAIT, so its ports never run out.
                s.setSoLinger(true, 0);
                s.bind(source);
                s.connect(target, 2_000);
                s.setSoTimeout(2_000);
                s.getOutputStream().write(RawPeer.concat(hello, RawPeer.frame(RawNoisePeer.HANDSHAKE, 0, first)));
                classify(new DataInputStream(s.getInputStream()));
            } catch (IOException e) {
                failed.incrementAndGet();
            }
        }
    }

    /** Reads the server's answer: HELLO then its handshake message (answered), or CLOSE at once (refused). */
    private void classify(DataInputStream in) throws IOException {
        for (int frames = 0; frames < 2; frames++) {
            byte[] header = new byte[16];
            in.readFully(header);
            int type = header[3];
            byte[] payload = new byte[ByteBuffer.wrap(header).getInt(12)];
            in.readFully(payload);
            if (type == RawPeer.CLOSE) {
                int code = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
                (code == ErrorCode.TOO_MANY_CONNECTIONS.code() ? refused : failed).incrementAndGet();
                return;
            }
            if (type == RawNoisePeer.HANDSHAKE) {
                answered.incrementAndGet();
                return;
            }
        }
        failed.incrementAndGet();
    }
}
