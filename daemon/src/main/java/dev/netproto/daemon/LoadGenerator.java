package dev.netproto.daemon;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.Message;
import dev.netproto.api.NetprotoException;
import dev.netproto.api.OverloadedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one benchmark: opens the connections, keeps {@code depth} requests in flight on each (every response
 * issues the next request from its completion callback), warms up, measures, then stops issuing and waits, for a
 * bounded time, for the requests still in flight.
 *
 * <p><b>Threading.</b> {@link #run} is called on one thread and blocks until the run ends. The completion callbacks
 * run on each connection's event loop and never block. Each connection records into its own {@link Recorder};
 * a callback normally runs on that connection's loop, but one whose future completed before the callback was
 * attached runs on the issuing thread instead, which is why a recorder (whose recording is wait-free and safe
 * from several threads) is used rather than a bare {@link Histogram}. The histograms are merged at the end.
 *
 * <p>A round trip is recorded, and counted as completed, when its response arrives within the measured window.
 * Failed requests are counted as errors, not recorded, and the next request is still issued unless the connection
 * closed or refused it as overloaded (then that slot stops, since retrying at once would only spin).
 */
final class LoadGenerator {
    /** Highest round trip the histograms track: 60 s. Longer ones are recorded as 60 s. */
    static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(60);
    /** Histogram precision. */
    static final int SIGNIFICANT_DIGITS = 3;
    /** How long to wait, after the measured window, for requests still in flight. */
    static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    /** How long to wait after closing the connections for their futures to fail. */
    static final long CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    /** Extra time on top of the client's connect timeout before connecting is given up. */
    static final long CONNECT_GRACE_NS = TimeUnit.SECONDS.toNanos(5);
    /** Seed of the request body's bytes, so that every run sends the same bytes. */
    static final long BODY_SEED = 0x6e70_6265_6e63_6800L;

    private static final Logger LOG = LoggerFactory.getLogger(LoadGenerator.class);

    private LoadGenerator() {
    }

    /**
     * Runs the benchmark and returns its result.
     *
     * @param spec    what to run
     * @param options the options of each client connection
     * @return the result
     * @throws NetprotoException if a connection cannot be opened; the connections already open are closed
     */
    static BenchResult run(BenchSpec spec, ClientOptions options) {
        byte[] body = spec.newBody();
        List<Client> clients = connectAll(spec, options);
        AtomicBoolean firstError = new AtomicBoolean();
        CountDownLatch idle = new CountDownLatch(clients.size());
        List<Worker> workers = new ArrayList<>(clients.size());
        long startNs = System.nanoTime();
        long measureStartNs = startNs + spec.warmup().toNanos();
        long measureEndNs = measureStartNs + spec.measured().toNanos();
        try {
            for (Client client : clients) {
                workers.add(new Worker(client, spec, body, measureStartNs, measureEndNs, idle, firstError));
            }
            for (Worker worker : workers) {
                worker.start(spec.depth());
            }
            if (!awaitUntil(idle, measureEndNs + DRAIN_TIMEOUT_NS)) {
                LOG.warn("requests still in flight {} s after the measured window; closing the connections",
                    TimeUnit.NANOSECONDS.toSeconds(DRAIN_TIMEOUT_NS));
            } else if (System.nanoTime() - measureEndNs < 0) {
                LOG.warn("every connection stopped before the measured window ended; msgs_per_sec still divides by"
                    + " the whole window");
            }
        } finally {
            closeAll(clients);
        }
        // Closing fails whatever is still in flight, which retires those slots; wait briefly for that to be seen.
        awaitUntil(idle, System.nanoTime() + CLOSE_TIMEOUT_NS);
        Histogram merged = new Histogram(HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        long completed = 0;
        long errors = 0;
        for (Worker worker : workers) {
            merged.add(worker.recorder.getIntervalHistogram());
            completed += worker.completed.get();
            errors += worker.errors.get() + Math.max(0, worker.inFlight.get());
        }
        return new BenchResult(spec, completed, errors, merged);
    }

    private static List<Client> connectAll(BenchSpec spec, ClientOptions options) {
        List<CompletableFuture<Client>> pending = new ArrayList<>(spec.connections());
        for (int i = 0; i < spec.connections(); i++) {
            pending.add(Client.connectAsync(spec.target(), options));
        }
        long deadlineNs = System.nanoTime() + options.connectTimeout().toNanos() + CONNECT_GRACE_NS;
        List<Client> clients = new ArrayList<>(pending.size());
        NetprotoException failure = null;
        for (CompletableFuture<Client> future : pending) {
            try {
                clients.add(future.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | CompletionException e) {
                failure = keepFirst(failure, e.getCause(), spec);
            } catch (TimeoutException e) {
                future.thenAccept(Client::close);
                failure = keepFirst(failure, e, spec);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                future.thenAccept(Client::close);
                failure = keepFirst(failure, e, spec);
            }
        }
        if (failure != null) {
            closeAll(clients);
            throw failure;
        }
        return clients;
    }

    private static NetprotoException keepFirst(NetprotoException first, Throwable cause, BenchSpec spec) {
        if (first != null) {
            first.addSuppressed(cause);
            return first;
        }
        String reason = cause instanceof TimeoutException ? "timed out" : String.valueOf(cause.getMessage());
        return new NetprotoException("cannot connect to " + spec.target() + ": " + reason, cause);
    }

    /** Waits for the latch until a deadline; returns whether it reached zero. */
    private static boolean awaitUntil(CountDownLatch latch, long deadlineNs) {
        try {
            return latch.await(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return latch.getCount() == 0;
        }
    }

    private static void closeAll(List<Client> clients) {
        RuntimeException first = null;
        for (Client client : clients) {
            try {
                client.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            LOG.warn("closing a benchmark connection failed", first);
        }
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The requests of one connection. Its counters and recorder are written by the connection's callbacks (see
     * the class description) and read by the thread that runs the benchmark once the connection is idle or closed.
     */
    private static final class Worker {
        final Client client;
        final String route;
        final ByteBuffer body;
        /** The length an echo response must have; -1 when the route is not echo. */
        final int expectedLength;
        final long measureStartNs;
        final long measureEndNs;
        final CountDownLatch idle;
        final AtomicBoolean firstError;
        final Recorder recorder = new Recorder(HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        final AtomicLong completed = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        /** Request slots still issuing; the connection is idle when it reaches 0. */
        final AtomicInteger inFlight = new AtomicInteger();

        Worker(Client client, BenchSpec spec, byte[] body, long measureStartNs, long measureEndNs,
               CountDownLatch idle, AtomicBoolean firstError) {
            this.client = client;
            this.route = spec.route();
            // Read-only and never repositioned: request() copies from position to limit without moving it.
            this.body = ByteBuffer.wrap(body).asReadOnlyBuffer();
            this.expectedLength = BenchSpec.ECHO_ROUTE.equals(spec.route()) ? body.length : -1;
            this.measureStartNs = measureStartNs;
            this.measureEndNs = measureEndNs;
            this.idle = idle;
            this.firstError = firstError;
        }

        void start(int depth) {
            inFlight.set(depth);
            for (int i = 0; i < depth; i++) {
                issue();
            }
        }

        void issue() {
            long sentNs = System.nanoTime();
            if (sentNs - measureEndNs >= 0) {
                retire();
                return;
            }
            CompletableFuture<Message> response;
            try {
                response = client.request(route, body);
            } catch (RuntimeException e) {
                onError(e);
                retire();
                return;
            }
            response.whenComplete((message, failure) -> {
                try {
                    onResponse(sentNs, message, failure);
                } catch (RuntimeException e) {
                    // Without this the slot would vanish into the future returned by whenComplete, and the run
                    // would wait out the drain timeout for it.
                    onError(e);
                    retire();
                }
            });
        }

        void onResponse(long sentNs, Message message, Throwable failure) {
            long nowNs = System.nanoTime();
            if (failure != null) {
                Throwable cause = unwrap(failure);
                onError(cause);
                if (cause instanceof ConnectionClosedException || cause instanceof OverloadedException
                    || !client.isOpen()) {
                    retire();
                    return;
                }
            } else if (expectedLength >= 0 && message.bodyLength() != expectedLength) {
                onError(new IllegalStateException("echo response has " + message.bodyLength() + " bytes, expected "
                    + expectedLength));
            } else if (nowNs - measureStartNs >= 0 && nowNs - measureEndNs < 0) {
                recorder.recordValue(Math.min(nowNs - sentNs, HIGHEST_TRACKABLE_NS));
                completed.incrementAndGet();
            }
            issue();
        }

        void onError(Throwable cause) {
            errors.incrementAndGet();
            if (firstError.compareAndSet(false, true)) {
                LOG.warn("request to {} failed (further failures are only counted): {}", client.remote(),
                    cause.toString());
            }
        }

        void retire() {
            if (inFlight.decrementAndGet() == 0) {
                idle.countDown();
            }
        }
    }
}
