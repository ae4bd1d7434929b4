package dev.netproto.benchmarks;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Message;
import dev.netproto.api.Server;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Round trips through the public API, client and server in one JVM over loopback: {@link #DEPTH} requests from
 * the benchmark thread, then a wait for all their futures. With {@code -prof gc} this shows what a request costs
 * end to end, client included (its future, the body copy that the off-loop hand-off needs, the owned response).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ClientEchoBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
public class ClientEchoBenchmark extends AbstractBenchmark {
    /** Requests in flight per invocation. */
    static final int DEPTH = 16;

    /** Body bytes per request. */
    @Param({"64"})
    public int size;

    private Server server;
    private Client client;
    private ByteBuffer body;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final CompletableFuture<Message>[] inFlight = new CompletableFuture[DEPTH];

    /** Creates the benchmark state; JMH calls this. */
    public ClientEchoBenchmark() {
    }

    /** Starts a one-loop server and connects a client. */
    @Setup(Level.Trial)
    public void setUp() {
        server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1)
            .route("echo", (m, r) -> r.send(m.body())).start();
        client = Client.connect(server.endpoints().get(0).toString(), ClientOptions.defaults());
        body = ByteBuffer.allocateDirect(size);
    }

    /** Closes the client and the server. */
    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
        server.close();
    }

    /**
     * Issues {@link #DEPTH} requests and waits for them.
     *
     * @return the summed response lengths
     */
    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public int roundTrips() {
        for (int i = 0; i < DEPTH; i++) {
            inFlight[i] = client.request("echo", body);
        }
        int total = 0;
        for (int i = 0; i < DEPTH; i++) {
            total += inFlight[i].join().bodyLength();
        }
        return total;
    }
}
