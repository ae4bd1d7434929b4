package dev.netproto.it;

import static dev.netproto.it.RawPeer.MAGIC;
import static dev.netproto.it.RawPeer.REQUEST;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.Metric;
import dev.netproto.compression.Lz4CompressionProvider;
import dev.netproto.compression.ZstdCompressionProvider;
import dev.netproto.core.DeflateCompressionProvider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Compression negotiated in HELLO and applied per frame, and every decompression bomb refused with
 * DECOMPRESSION_FAILED while a good client keeps being served.
 */
@Timeout(60)
class CompressionTest {
    /** Clients offer compression only when asked to; servers accept every algorithm they have. */
    private static final ClientOptions COMPRESSING = ClientOptions.builder().compression("lz4", "zstd", "deflate")
        .build();
    private Server server;
    private String uri;

    @BeforeEach
    void start() {
        server = Server.builder().listen("tcp://127.0.0.1:0").route("echo", (m, r) -> r.send(m.body())).start();
        uri = server.endpoints().get(0).toString();
    }

    @AfterEach
    void stop() {
        server.close();
        assertEquals(0, server.metrics().read(Metric.BUFFERS_IN_USE));
    }

    static byte[] json(int size) {
        StringBuilder sb = new StringBuilder("[");
        Random random = new Random(3);
        for (int i = 0; sb.length() < size; i++) {
            sb.append("{\"id\":").append(i).append(",\"name\":\"sensor-").append(random.nextInt(100))
                .append("\",\"value\":").append(random.nextInt(10_000)).append(",\"ok\":true},");
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), size);
    }

    @Test
    void shouldCompressLargeCompressibleBodiesBothWays() throws Exception {
        try (Client client = Client.connect(uri, COMPRESSING)) {
            byte[] body = json(64 * 1024);
            long receivedBefore = server.metrics().read(Metric.BYTES_RECEIVED);
            long compressedBefore = client.metrics().read(Metric.FRAMES_COMPRESSED);
            assertArrayEquals(body, client.request("echo", body).get(10, TimeUnit.SECONDS).bodyBytes());
            long onTheWire = server.metrics().read(Metric.BYTES_RECEIVED) - receivedBefore;
            assertTrue(onTheWire < body.length / 3, "64 KiB of JSON went as " + onTheWire + " bytes");
            assertEquals(1, server.metrics().read(Metric.FRAMES_COMPRESSED), "the response was compressed");
            assertEquals(compressedBefore + 1, client.metrics().read(Metric.FRAMES_COMPRESSED));
        }
    }

    @Test
    void shouldSendSmallRandomAndOptedOutBodiesUncompressed() throws Exception {
        try (Client client = Client.connect(uri, COMPRESSING)) {
            long before = client.metrics().read(Metric.FRAMES_COMPRESSED);
            byte[] random = new byte[64 * 1024];
            new Random(1).nextBytes(random);
            assertArrayEquals(random, client.request("echo", random).get(10, TimeUnit.SECONDS).bodyBytes());
            assertArrayEquals(json(500), client.request("echo", json(500)).get(10, TimeUnit.SECONDS).bodyBytes());
            byte[] secret = json(8192);
            assertArrayEquals(secret, client.request("echo", ByteBuffer.wrap(secret), false)
                .get(10, TimeUnit.SECONDS).bodyBytes());
            assertEquals(before, client.metrics().read(Metric.FRAMES_COMPRESSED),
                "random (entropy check), under 512 bytes, and opted out: none compressed");
        }
    }

    @Test
    void shouldUseTheClientsFirstPreferenceThatTheServerHas() throws Exception {
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloWithCompression("brotli", "zstd", "lz4")));
            RawPeer.Frame hello = peer.read();
            String payload = new String(hello.payload(), StandardCharsets.ISO_8859_1);
            assertTrue(payload.endsWith("\u0004zstd"), "the server chose zstd: " + Arrays.toString(hello.payload()));
        }
        try (Server deflateOnly = Server.builder().listen("tcp://127.0.0.1:0").compression("deflate")
                .route("echo", (m, r) -> r.send(m.body())).start();
             Client client = Client.connect(deflateOnly.endpoints().get(0).toString(), COMPRESSING)) {
            byte[] body = json(32 * 1024);
            assertArrayEquals(body, client.request("echo", body).get(10, TimeUnit.SECONDS).bodyBytes());
            assertEquals(1, deflateOnly.metrics().read(Metric.FRAMES_COMPRESSED), "lz4 and zstd refused: deflate");
        }
    }

    private RawPeer.Frame sendCompressed(String algorithm, int claimed, byte[] compressed) throws Exception {
        return sendCompressedBody(algorithm, ByteBuffer.allocate(4 + compressed.length).putInt(claimed).put(compressed)
            .array());
    }

    /**
     * Sends a REQUEST flagged COMPRESSED whose body part is {@code body} as given (length prefix included, if any);
     * returns the server's CLOSE, after checking that the server keeps serving others.
     */
    private RawPeer.Frame sendCompressedBody(String algorithm, byte[] body) throws Exception {
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloWithCompression(algorithm)));
            peer.read();
            byte[] payload = RawPeer.requestPayload("echo", body);
            peer.write(RawPeer.frame(MAGIC, 1, REQUEST, 0x01, 1, payload.length, payload));
            RawPeer.Frame close = peer.readClose();
            try (Client good = Client.connect(uri, ClientOptions.defaults())) {
                assertEquals(3, good.request("echo", new byte[3]).get(10, TimeUnit.SECONDS).bodyLength(),
                    "the server keeps serving");
            }
            return close;
        }
    }

    @Test
    void shouldRefuseAFrameThatClaimsMoreThanTheMaximumFrameLength() throws Exception {
        byte[] compressed = Zstd.compress(new byte[16 * 1024]);
        RawPeer.Frame close = sendCompressed("zstd", 1 << 30, Arrays.copyOf(compressed, 16 * 1024));
        assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code());
        assertTrue(close.text().contains("claims 1073741824 bytes, more than the maximum frame length"),
            close.text());
    }

    @Test
    void shouldRefuseAClaimBeyondTheRatioCapBeforeDecompressing() throws Exception {
        byte[] garbage = new byte[8 * 1024];
        new Random(9).nextBytes(garbage);
        RawPeer.Frame close = sendCompressed("zstd", 16 * 1024 * 1024, garbage);
        assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code());
        assertTrue(close.text().contains("more than 1024 times as many (the ratio cap)"), close.text());
    }

    @Test
    void shouldRefuseABombWhoseOutputExceedsItsClaim() throws Exception {
        byte[] bomb = Zstd.compress(new byte[1024 * 1024]);
        RawPeer.Frame close = sendCompressed("zstd", 16 * 1024, bomb);
        assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code());
        assertTrue(close.text().startsWith("zstd body refused"), close.text());
    }

    @Test
    void shouldRefuseATruncatedStream() throws Exception {
        byte[] text = json(100_000);
        byte[] compressed = Zstd.compress(text);
        RawPeer.Frame close = sendCompressed("zstd", text.length, Arrays.copyOf(compressed, compressed.length / 2));
        assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code());
    }

    @Test
    void shouldRefuseGarbageWithTheCompressedFlag() throws Exception {
        byte[] garbage = new byte[2000];
        new Random(4).nextBytes(garbage);
        for (String algorithm : new String[] {"lz4", "zstd", "deflate"}) {
            RawPeer.Frame close = sendCompressed(algorithm, 4000, garbage);
            assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code(), algorithm + ": " + close.text());
        }
    }

    @Test
    void shouldRefuseTheCompressedFlagWhenNothingWasNegotiated() throws Exception {
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.handshake();
            byte[] payload = RawPeer.requestPayload("echo", new byte[] {0, 0, 0, 1, 1});
            peer.write(RawPeer.frame(MAGIC, 1, REQUEST, 0x01, 1, payload.length, payload));
            RawPeer.Frame close = peer.readClose();
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), close.code());
            assertTrue(close.text().contains("(compression: none)"), close.text());
        }
    }

    @Test
    void shouldSendUncompressedWhatWouldBreakTheReceiversRatioCap() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.builder().compression("zstd").build())) {
            byte[] zeros = new byte[1024 * 1024];
            // zstd makes 1 MiB of zeros about 50 bytes (1:20,000); sent like that, the server would call it a bomb.
            assertArrayEquals(zeros, client.request("echo", zeros).get(10, TimeUnit.SECONDS).bodyBytes());
            byte[] json = json(64 * 1024);
            assertArrayEquals(json, client.request("echo", json).get(10, TimeUnit.SECONDS).bodyBytes());
            assertEquals(1, server.metrics().read(Metric.FRAMES_COMPRESSED), "only the JSON response compressed");
        }
    }

    @Test
    void shouldNotCompressUnlessTheClientOffersIt() throws Exception {
        try (Client client = Client.connect(uri, ClientOptions.defaults())) {
            byte[] json = json(64 * 1024);
            assertArrayEquals(json, client.request("echo", json).get(10, TimeUnit.SECONDS).bodyBytes());
            assertEquals(0, server.metrics().read(Metric.FRAMES_COMPRESSED));
        }
    }

    /** The stream the named provider makes of {@code data}: the same code as the server's sender. */
    static byte[] compress(String algorithm, byte[] data) {
        CompressionProvider provider = switch (algorithm) {
            case "lz4" -> new Lz4CompressionProvider();
            case "zstd" -> new ZstdCompressionProvider();
            case "deflate" -> new DeflateCompressionProvider();
            default -> throw new IllegalArgumentException(algorithm);
        };
        ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
        ByteBuffer dst = ByteBuffer.allocateDirect(provider.maxCompressedLength(data.length));
        int n = provider.compress(src, dst);
        byte[] out = new byte[n];
        dst.get(0, out);
        return out;
    }

    /**
     * A body of {@code 1024 × L + extra} bytes (zeros, then a seeded random tail) whose zstd stream is exactly
     * {@code L} bytes, for some L: found by lengthening the tail, which adds about one byte of stream per byte.
     */
    private static byte[] bodyAtRatioCap(int extra) {
        byte[] tailSource = new byte[1024];
        new Random(11).nextBytes(tailSource);
        for (int target = 200; target < 260; target++) {
            int length = 1024 * target + extra;
            for (int tail = target / 2; tail < 2 * target; tail++) {
                byte[] body = new byte[length];
                System.arraycopy(tailSource, 0, body, length - tail, tail);
                if (compress("zstd", body).length == target) {
                    return body;
                }
            }
        }
        throw new AssertionError("no body found whose zstd stream is exactly 1/1024 of it (+" + extra + ")");
    }

    @Test
    void shouldCountOnlyTheCompressedDataNotItsLengthPrefixInTheRatio() throws Exception {
        // Receiver: exactly 1024 times the compressed data is accepted.
        byte[] body = bodyAtRatioCap(0);
        byte[] stream = compress("zstd", body);
        assertEquals(1024 * stream.length, body.length);
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloWithCompression("zstd")));
            peer.read();
            byte[] payload = RawPeer.requestPayload("echo", RawPeer.concat(RawPeer.u32(body.length), stream));
            peer.write(RawPeer.frame(MAGIC, 1, REQUEST, RawPeer.COMPRESSED, 1, payload.length, payload));
            RawPeer.Frame response = peer.read();
            assertEquals(RawPeer.RESPONSE, response.type(), () -> "got " + response.type() + ": " + response.text());
        }
        // One byte more is refused before decompressing, though it is within 1024 times data and prefix.
        for (int claimed : new int[] {1024 * stream.length + 1, 1024 * (stream.length + 4)}) {
            RawPeer.Frame close = sendCompressed("zstd", claimed, new byte[stream.length]);
            assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code());
            assertTrue(close.text().contains("compressed body of " + stream.length + " bytes claims " + claimed
                + " bytes, more than 1024 times as many (the ratio cap)"), close.text());
        }
    }

    @Test
    void shouldSendCompressedOnlyWithinTheRatioOfTheCompressedDataAlone() throws Exception {
        byte[] atCap = bodyAtRatioCap(0);
        byte[] overCap = bodyAtRatioCap(1);
        int overCapStream = compress("zstd", overCap).length;
        assertEquals(1024 * overCapStream + 1, overCap.length);
        try (RawPeer peer = new RawPeer(server.endpoints().get(0))) {
            peer.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloWithCompression("zstd")));
            peer.read();
            peer.write(RawPeer.frame(REQUEST, 1, RawPeer.requestPayload("echo", atCap)));
            RawPeer.Frame compressed = peer.read();
            assertEquals(RawPeer.COMPRESSED, compressed.flags(), "at exactly 1024 times: sent compressed");
            assertEquals(4 + atCap.length / 1024, compressed.payload().length);
            assertEquals(atCap.length, ByteBuffer.wrap(compressed.payload()).getInt());
            peer.write(RawPeer.frame(REQUEST, 2, RawPeer.requestPayload("echo", overCap)));
            RawPeer.Frame plain = peer.read();
            assertEquals(0, plain.flags(), "one byte over 1024 times the compressed data: sent as it is");
            assertArrayEquals(overCap, plain.payload());
        }
    }

    @Test
    void shouldRefuseACompressedBodyWithNoRoomForItsLengthPrefix() throws Exception {
        for (int length = 0; length < 4; length++) {
            RawPeer.Frame close = sendCompressedBody("deflate", new byte[length]);
            assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code(), close.text());
            assertTrue(close.text().contains("compressed body of " + length
                + " bytes has no room for its length prefix"), close.text());
        }
    }

    @Test
    void shouldRefuseBytesAfterACompleteCompressedStream() throws Exception {
        byte[] text = json(4096);
        for (String algorithm : new String[] {"lz4", "zstd", "deflate"}) {
            byte[] stream = compress(algorithm, text);
            for (byte[] trailer : new byte[][] {{0}, "garbage!".getBytes(StandardCharsets.US_ASCII)}) {
                RawPeer.Frame close = sendCompressed(algorithm, text.length, RawPeer.concat(stream, trailer));
                assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code(), algorithm + ": " + close.text());
                assertTrue(close.text().startsWith(algorithm + " body refused"), close.text());
            }
        }
        // zstd decoders read on past one frame: a second, empty frame or a skippable frame is not one frame.
        byte[] stream = compress("zstd", text);
        byte[] skippable = {0x50, 0x2A, 0x4D, 0x18, 0, 0, 0, 0};
        for (byte[] trailer : new byte[][] {compress("zstd", new byte[0]), skippable}) {
            RawPeer.Frame close = sendCompressed("zstd", text.length, RawPeer.concat(stream, trailer));
            assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code(), close.text());
            assertTrue(close.text().contains(trailer.length + " bytes follow the end of the Zstandard frame"),
                close.text());
        }
        // And a stream that does not start with a Zstandard frame at all.
        RawPeer.Frame close = sendCompressed("zstd", text.length, RawPeer.concat(skippable, stream));
        assertEquals(ErrorCode.DECOMPRESSION_FAILED.code(), close.code(), close.text());
        assertTrue(close.text().contains("does not start with a Zstandard frame"), close.text());
    }
}
