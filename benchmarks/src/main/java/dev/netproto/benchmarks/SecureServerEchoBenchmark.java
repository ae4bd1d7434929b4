package dev.netproto.benchmarks;

import dev.netproto.api.Endpoint;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContexts;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link ServerEchoBenchmark} over an encrypted session: the same one-loop echo server and the same raw client
 * ({@link ServerEchoBenchmark#DEPTH} pre-encoded REQUEST frames per write, responses read into reused buffers), with
 * the frames carried by TLS 1.3 (the JDK's {@code SSLEngine} on both sides, certificates generated for the trial).
 * The client wraps the whole write into one record, as a batching client does.
 *
 * <p>{@code gc.alloc.rate.norm} ({@code -prof gc}) counts the whole JVM, so here it includes the client's
 * {@code SSLEngine}, which allocates per record like the server's. To tell the two apart, each measured iteration
 * prints the bytes allocated by the server's event-loop thread and by the client (benchmark) thread per round trip
 * ({@code server loop B/op}, {@code client B/op}), from {@link com.sun.management.ThreadMXBean}.
 *
 * <p>{@code security} is a parameter so that other mechanisms can join: Noise needs a client that speaks Noise's
 * handshake and sealed frames, which the raw client does not (yet).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SecureServerEchoBenchmark -p size=64 -prof gc}.
 */
@State(Scope.Benchmark)
public class SecureServerEchoBenchmark extends AbstractBenchmark {
    /** Requests written per invocation: the plaintext benchmark's depth. */
    private static final int DEPTH = ServerEchoBenchmark.DEPTH;

    /** The mechanism protecting the session. */
    @Param({"tls"})
    public String security;

    /** Body bytes per request. */
    @Param({"64", "1024", "16384"})
    public int size;

    private Path certificates;
    private Server server;
    private SocketChannel channel;
    private SSLEngine engine;
    private ByteBuffer requests;
    private ByteBuffer netOut;
    private ByteBuffer netIn;
    private ByteBuffer responses;
    private ByteBuffer[] responsesArray;
    private ByteBuffer[] requestsArray;
    private com.sun.management.ThreadMXBean threads;
    private long loopThreadId;
    private long loopBytesAtStart;
    private long clientBytesAtStart;
    private long invocations;

    /** Creates the benchmark state; JMH calls this. */
    public SecureServerEchoBenchmark() {
    }

    /**
     * Makes certificates, starts a one-loop TLS server, connects the raw client and completes the TLS handshake and
     * HELLO.
     *
     * @throws IOException if the certificates or the loopback connection fail
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (!"tls".equals(security)) {
            throw new IllegalArgumentException("security must be tls, got " + security);
        }
        certificates = Files.createTempDirectory("np-bench-certs");
        DevCertificates certs = DevCertificates.generate("localhost", certificates);
        server = Server.builder().listen("tls://127.0.0.1:0").eventLoops(1)
            .security(Security.tls(TlsContexts.create(TlsConfig.server()
                .certificate(certs.serverCertificate(), certs.serverKey()).build())))
            .route("echo", (m, r) -> r.send(m.body())).start();
        Endpoint endpoint = server.endpoints().get(0);
        channel = SocketChannel.open(new InetSocketAddress(endpoint.host(), endpoint.port()));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        engine = TlsContexts.create(TlsConfig.client().trustCertificates(certs.caCertificate()).build())
            .newEngine("localhost", endpoint.port());
        int packet = engine.getSession().getPacketBufferSize();
        // Heap buffers for records, as the server's TLS layer has: the JDK's AES-GCM allocates per call on direct ones.
        netOut = ByteBuffer.allocate(4 * packet);
        netIn = ByteBuffer.allocate(4 * packet + DEPTH * (16 + size));
        handshake();
        requests = ByteBuffer.allocateDirect(DEPTH * (16 + 5 + size));
        for (int i = 0; i < DEPTH; i++) {
            RawFrames.request(requests, i + 1, "echo", size);
        }
        requests.flip();
        requestsArray = new ByteBuffer[] {requests};
        // Room for a whole record beyond the responses, as the engine asks for before it unwraps one.
        responses = ByteBuffer.allocateDirect(DEPTH * (16 + size) + engine.getSession().getApplicationBufferSize());
        responsesArray = new ByteBuffer[] {responses};
        hello();
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        loopThreadId = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("netproto-server-")).findFirst()
            .orElseThrow(() -> new IllegalStateException("no server event-loop thread")).threadId();
    }

    /** Notes the allocation counters at the start of an iteration. */
    @Setup(Level.Iteration)
    public void startCounting() {
        invocations = 0;
        loopBytesAtStart = threads.getThreadAllocatedBytes(loopThreadId);
        clientBytesAtStart = threads.getCurrentThreadAllocatedBytes();
    }

    /** Prints the bytes allocated per round trip by the server's loop and by the client, in this iteration. */
    @TearDown(Level.Iteration)
    public void printCounts() {
        long client = threads.getCurrentThreadAllocatedBytes() - clientBytesAtStart;
        long loop = threads.getThreadAllocatedBytes(loopThreadId) - loopBytesAtStart;
        double ops = Math.max(1, invocations * DEPTH);
        System.out.printf("%n  server loop B/op: %.1f, client B/op: %.1f (%d round trips)%n", loop / ops,
            client / ops, invocations * DEPTH);
    }

    /**
     * Closes the client, the server and the certificates.
     *
     * @throws IOException if closing fails
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        server.close();
        try (Stream<Path> files = Files.walk(certificates)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Sends {@link ServerEchoBenchmark#DEPTH} requests in one TLS record and reads their responses.
     *
     * @return the last byte read, so that nothing is dead code
     * @throws IOException if the socket or the engine fails
     */
    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public byte roundTrips() throws IOException {
        invocations++;
        requests.rewind();
        while (requests.hasRemaining()) {
            engine.wrap(requestsArray, 0, 1, netOut);
            writeNet();
        }
        responses.clear();
        int want = DEPTH * (16 + size);
        while (responses.position() < want) {
            unwrapAvailable();
        }
        return responses.get(want - 1);
    }

    /** Reads once from the socket, then unwraps every complete record into {@link #responses}. */
    private void unwrapAvailable() throws IOException {
        if (channel.read(netIn) < 0) {
            throw new IOException("server closed the connection");
        }
        netIn.flip();
        while (netIn.hasRemaining()) {
            SSLEngineResult r = engine.unwrap(netIn, responsesArray, 0, 1);
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    break;
                }
                throw new IOException("unwrap: " + r);
            }
        }
        netIn.compact();
    }

    private void writeNet() throws IOException {
        netOut.flip();
        while (netOut.hasRemaining()) {
            channel.write(netOut);
        }
        netOut.clear();
    }

    /** Blocking client handshake; delegated tasks run inline. */
    private void handshake() throws IOException {
        ByteBuffer scratch = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize());
        engine.beginHandshake();
        HandshakeStatus hs = engine.getHandshakeStatus();
        while (hs != HandshakeStatus.FINISHED && hs != HandshakeStatus.NOT_HANDSHAKING) {
            switch (hs) {
                case NEED_WRAP -> {
                    hs = engine.wrap(ByteBuffer.allocate(0), netOut).getHandshakeStatus();
                    writeNet();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    netIn.flip();
                    SSLEngineResult r = engine.unwrap(netIn, scratch);
                    netIn.compact();
                    hs = r.getHandshakeStatus();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && channel.read(netIn) < 0) {
                        throw new IOException("server closed the connection during the TLS handshake");
                    }
                }
                case NEED_TASK -> {
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    hs = engine.getHandshakeStatus();
                }
                default -> throw new IllegalStateException("handshake status " + hs);
            }
        }
        if (netIn.position() > 0 || scratch.position() > 0) {
            throw new IllegalStateException("unexpected data right after the TLS handshake");
        }
    }

    /** HELLO over the session: versions [1], max 16 MiB, security tls; reads the server's HELLO. */
    private void hello() throws IOException {
        byte[] payload = {
            0, 1, 0, 1, 1,
            0, 2, 0, 4, 1, 0, 0, 0,
            0, 3, 0, 4, 3, 't', 'l', 's'};
        ByteBuffer out = ByteBuffer.allocate(16 + payload.length);
        out.putShort((short) 0x4E50).put((byte) 1).put((byte) 1).putInt(0).putInt(0).putInt(payload.length);
        out.put(payload).flip();
        while (out.hasRemaining()) {
            engine.wrap(out, netOut);
            writeNet();
        }
        responses.clear();
        while (responses.position() < 16 || responses.position() < 16 + responses.getInt(12)) {
            unwrapAvailable();
        }
        if (responses.get(3) != 1) {
            throw new IOException("expected HELLO, got frame type " + responses.get(3));
        }
        if (responses.position() != 16 + responses.getInt(12)) {
            throw new IOException("unexpected bytes after the server's HELLO");
        }
    }
}
