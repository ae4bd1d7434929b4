package dev.netproto.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The machine's floor for one-connection latency: a blocking {@link Socket} ping-pong of 80-byte messages
 * between two threads of one JVM, with no netproto code. Prints {@code rt_per_sec=... p50_us=... p99_us=...}.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.netproto.benchmarks.BlockingPingPong}.
 */
public final class BlockingPingPong {
    private static final int MESSAGE = 80;
    private static final long WARMUP_NS = TimeUnit.SECONDS.toNanos(2);
    private static final long MEASURE_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_SAMPLES = 2_000_000;

    private BlockingPingPong() {
    }

    /**
     * Runs 2 s of warm-up and 5 s of measurement, then prints one line.
     *
     * @param args ignored
     * @throws IOException if the loopback sockets fail
     * @throws InterruptedException if interrupted while waiting for the echo thread
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = Thread.ofPlatform().name("echo").start(() -> echo(listener));
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] b = new byte[MESSAGE];
                long warmupEnd = System.nanoTime() + WARMUP_NS;
                while (System.nanoTime() - warmupEnd < 0) {
                    out.write(b);
                    in.readNBytes(b, 0, MESSAGE);
                }
                long[] samples = new long[MAX_SAMPLES];
                int n = 0;
                long start = System.nanoTime();
                long end = start + MEASURE_NS;
                while (System.nanoTime() - end < 0 && n < samples.length) {
                    long sent = System.nanoTime();
                    out.write(b);
                    in.readNBytes(b, 0, MESSAGE);
                    samples[n++] = System.nanoTime() - sent;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Arrays.sort(samples, 0, n);
                System.out.printf("rt_per_sec=%.0f p50_us=%d p99_us=%d%n", n / seconds,
                    samples[n / 2] / 1000, samples[(int) (n * 0.99)] / 1000);
            }
            echo.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    private static void echo(ServerSocket listener) {
        try (Socket socket = listener.accept()) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] b = new byte[MESSAGE];
            while (in.readNBytes(b, 0, MESSAGE) == MESSAGE) {
                out.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
