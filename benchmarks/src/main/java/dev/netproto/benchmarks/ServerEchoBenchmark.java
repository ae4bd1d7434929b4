package dev.netproto.benchmarks;

import dev.netproto.api.Endpoint;
import dev.netproto.api.Server;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The server's echo path over a real loopback socket, measured from a client that allocates nothing: it writes
 * {@link #DEPTH} pre-encoded REQUEST frames in one write and reads the {@code DEPTH} responses into a reused
 * buffer. So with {@code -prof gc}, {@code gc.alloc.rate.norm} is what the server (event loop, decoder,
 * dispatcher, encoder) allocates per round trip: the steady-state target is 0.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ServerEchoBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
public class ServerEchoBenchmark extends AbstractBenchmark {
    /** Requests written per invocation before the responses are read. */
    static final int DEPTH = 16;

    /** Body bytes per request. */
    @Param({"64", "1024", "16384"})
    public int size;

    private Server server;
    private SocketChannel channel;
    private ByteBuffer requests;
    private ByteBuffer responses;

    /** Creates the benchmark state; JMH calls this. */
    public ServerEchoBenchmark() {
    }

    /**
     * Starts a one-loop server and connects the raw client.
     *
     * @throws IOException if the loopback connection fails
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1)
            .route("echo", (m, r) -> r.send(m.body())).start();
        Endpoint endpoint = server.endpoints().get(0);
        channel = SocketChannel.open(new InetSocketAddress(endpoint.host(), endpoint.port()));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        RawFrames.hello(channel);
        requests = ByteBuffer.allocateDirect(DEPTH * (16 + 5 + size));
        for (int i = 0; i < DEPTH; i++) {
            RawFrames.request(requests, i + 1, "echo", size);
        }
        requests.flip();
        responses = ByteBuffer.allocateDirect(DEPTH * (16 + size));
    }

    /**
     * Closes the client and the server.
     *
     * @throws IOException if closing the socket fails
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        server.close();
    }

    /**
     * Sends {@link #DEPTH} requests and reads their responses.
     *
     * @return the last byte read, so that nothing is dead code
     * @throws IOException if the socket fails
     */
    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public byte roundTrips() throws IOException {
        requests.rewind();
        while (requests.hasRemaining()) {
            channel.write(requests);
        }
        responses.clear();
        while (responses.hasRemaining()) {
            if (channel.read(responses) < 0) {
                throw new IOException("server closed the connection");
            }
        }
        return responses.get(responses.limit() - 1);
    }
}
