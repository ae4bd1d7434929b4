package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WARN log of connections that end with an error, rate-limited per code, so that a flood of bad peers
 * (thousands of HELLO timeouts, refusals, failed handshakes a second) costs a few log lines, not one per
 * connection. Every connection's line is logged at DEBUG; at WARN, the first connection of a code is logged at
 * once, and the ones after it within {@link #WINDOW_NS} are summed up in one line when the window ends ("closed
 * 9,812 more connections with TIMEOUT in the last 10 s; e.g. conn#17 /127.0.0.1:44830: HELLO did not complete
 * within 10000 ms"). A window in which nothing more happened closes silently, so the next error is again logged
 * at once. The metrics count every error exactly. Requests refused because the memory budget ran short
 * ({@link ErrorCode#OVERLOADED}) are logged the same way, as refusals: their connections stay open.
 *
 * <p><b>Threading.</b> Shared by the loops of a server or client, lock-free: a window is opened and closed by
 * compare-and-set, and its summary written by whichever loop sees it end (at its next error of that code or its
 * scheduled flush).
 */
final class ErrorLog {
    /** How long errors of one code are summed up before a summary line. */
    static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long CLOSED = Long.MIN_VALUE;
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    /** Runs a task after a delay: the event loop's timers, or a test's. */
    interface Scheduler {
        void after(long delayNs, Runnable task);
    }

    /** Where the lines go; the log by default, a recorder in tests. */
    interface Sink {
        void warn(String line);

        void debug(String line);

        boolean debugEnabled();
    }

    private static final Sink LOG_SINK = new Sink() {
        @Override
        public void warn(String line) {
            LOG.warn(line);
        }

        @Override
        public void debug(String line) {
            LOG.debug(line);
        }

        @Override
        public boolean debugEnabled() {
            return LOG.isDebugEnabled();
        }
    };

    private static final class Window {
        /** When the window opened, or {@link #CLOSED}. */
        final AtomicLong start = new AtomicLong(CLOSED);
        final AtomicLong suppressed = new AtomicLong();
        volatile String example;
    }

    private final Sink sink;
    private final LongSupplier clock;
    private final AtomicReferenceArray<Window> windows = new AtomicReferenceArray<>(ErrorCode.values().length);

    /** Logs to the connection log, on the given clock (the server's or client's). */
    ErrorLog(LongSupplier clock) {
        this(LOG_SINK, clock);
    }

    ErrorLog(Sink sink, LongSupplier clock) {
        this.sink = sink;
        this.clock = clock;
    }

    /**
     * Logs one connection's error: at DEBUG always, at WARN if it is the first of its code in a window, else
     * summed up later.
     *
     * @param connection names the connection; its {@code toString()} is called only for lines actually written
     * @param scheduler  where the summary of a window this error opens is timed
     */
    void report(ErrorCode code, Object connection, String reason, Scheduler scheduler) {
        long now = clock.getAsLong();
        // Request-level codes (a request refused for memory) leave the connection open.
        String action = code.isConnectionLevel() ? "closing" : "refusing a request";
        if (sink.debugEnabled()) {
            sink.debug(connection + ": " + action + ": " + reason + " (" + code + ")");
        }
        Window w = window(code);
        if (w.start.get() == CLOSED && w.start.compareAndSet(CLOSED, now)) {
            sink.warn(connection + ": " + action + ": " + reason + " (" + code + "); more " + code
                + (code.isConnectionLevel() ? " closes" : " refusals") + " in the next "
                + TimeUnit.NANOSECONDS.toSeconds(WINDOW_NS) + " s are summed up");
            scheduler.after(WINDOW_NS, () -> tick(code, scheduler));
            return;
        }
        w.suppressed.incrementAndGet();
        if (w.example == null) {
            w.example = connection + ": " + reason;
        }
        flush(code, now);
    }

    /** The timed end of a window: flushes it, and keeps timing it while it stays open. */
    private void tick(ErrorCode code, Scheduler scheduler) {
        long now = clock.getAsLong();
        flush(code, now);
        long start = windows.get(code.ordinal()).start.get();
        if (start != CLOSED) {
            scheduler.after(Math.max(1, start + WINDOW_NS - now), () -> tick(code, scheduler));
        }
    }

    /**
     * Ends the window of a code if it is over: writes its summary if it summed anything, and otherwise closes it.
     * Any thread; cheap when the window is not over.
     */
    void flush(ErrorCode code, long now) {
        Window w = windows.get(code.ordinal());
        if (w == null) {
            return;
        }
        long start = w.start.get();
        if (start == CLOSED || now - start < WINDOW_NS || !w.start.compareAndSet(start, now)) {
            return;
        }
        long n = w.suppressed.getAndSet(0);
        String example = w.example;
        w.example = null;
        if (n == 0) {
            // Nothing since the first: close, so that the next error is logged at once.
            w.start.compareAndSet(now, CLOSED);
            return;
        }
        summarize(code, n, now - start, example);
    }

    /** Writes every pending summary now, whatever its window: the server or client is closing. */
    void flushAll() {
        long now = clock.getAsLong();
        for (ErrorCode code : ErrorCode.values()) {
            Window w = windows.get(code.ordinal());
            if (w == null) {
                continue;
            }
            long start = w.start.getAndSet(CLOSED);
            long n = w.suppressed.getAndSet(0);
            String example = w.example;
            w.example = null;
            if (start != CLOSED && n > 0) {
                summarize(code, n, now - start, example);
            }
        }
    }

    private void summarize(ErrorCode code, long n, long windowNs, String example) {
        sink.warn((code.isConnectionLevel() ? "closed " : "refused ") + String.format("%,d", n)
            + (code.isConnectionLevel() ? " more connections with " : " more requests with ") + code + " in the last "
            + TimeUnit.NANOSECONDS.toSeconds(windowNs) + " s; e.g. " + example);
    }

    private Window window(ErrorCode code) {
        int i = code.ordinal();
        Window w = windows.get(i);
        if (w == null) {
            windows.compareAndSet(i, null, new Window());
            w = windows.get(i);
        }
        return w;
    }
}
