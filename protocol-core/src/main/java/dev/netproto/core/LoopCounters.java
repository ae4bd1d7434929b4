package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.Metric;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one event loop. Single writer: the loop's thread. Other threads read them through
 * {@link CoreMetrics}; values are published with opaque stores (plain moves on x86 and ARM), so a reader sees each
 * counter's recent value without the loop paying for a fence per message.
 */
final class LoopCounters {
    static final int CONNECTIONS_OPENED = Metric.CONNECTIONS_OPENED.ordinal();
    static final int CONNECTIONS_CLOSED = Metric.CONNECTIONS_CLOSED.ordinal();
    static final int CONNECTIONS_ACTIVE = Metric.CONNECTIONS_ACTIVE.ordinal();
    static final int FRAMES_RECEIVED = Metric.FRAMES_RECEIVED.ordinal();
    static final int FRAMES_SENT = Metric.FRAMES_SENT.ordinal();
    static final int BYTES_RECEIVED = Metric.BYTES_RECEIVED.ordinal();
    static final int BYTES_SENT = Metric.BYTES_SENT.ordinal();
    static final int HANDSHAKES_COMPLETED = Metric.HANDSHAKES_COMPLETED.ordinal();
    static final int HANDSHAKES_FAILED = Metric.HANDSHAKES_FAILED.ordinal();
    static final int BUFFERS_IN_USE = Metric.BUFFERS_IN_USE.ordinal();
    static final int CONNECTIONS_REFUSED = Metric.CONNECTIONS_REFUSED.ordinal();
    static final int OUTBOUND_BYTES = Metric.OUTBOUND_BYTES.ordinal();
    static final int READS_SUSPENDED = Metric.READS_SUSPENDED.ordinal();
    static final int REQUESTS_TIMED_OUT = Metric.REQUESTS_TIMED_OUT.ordinal();
    static final int LATE_RESPONSES = Metric.LATE_RESPONSES.ordinal();
    static final int PINGS_SENT = Metric.PINGS_SENT.ordinal();
    static final int FRAMES_COMPRESSED = Metric.FRAMES_COMPRESSED.ordinal();
    static final int NOISE_REKEYS = Metric.NOISE_REKEYS.ordinal();
    static final int REQUESTS_RESENT = Metric.REQUESTS_RESENT.ordinal();
    static final int ERRORS = Metric.ERRORS.ordinal();
    static final int MEMORY_REFUSALS = Metric.MEMORY_REFUSALS.ordinal();
    /**
     * Responses queued in their request's own buffer, without copying the body. Internal (not a {@link Metric}):
     * read by tests and benchmarks in this module.
     */
    static final int FRAMES_ADOPTED = Metric.values().length;
    /** Bytes of cut frames moved out of the read buffer, or within or between spill buffers. Internal. */
    static final int SPILL_BYTES_MOVED = FRAMES_ADOPTED + 1;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final ErrorCode[] CODES = ErrorCode.values();

    private final long[] metrics = new long[SPILL_BYTES_MOVED + 1];
    private final long[] errors = new long[CODES.length];

    void add(int metric, long delta) {
        LONGS.setOpaque(metrics, metric, metrics[metric] + delta);
    }

    void increment(int metric) {
        LONGS.setOpaque(metrics, metric, metrics[metric] + 1);
    }

    void set(int metric, long value) {
        LONGS.setOpaque(metrics, metric, value);
    }

    void error(ErrorCode code) {
        int i = code.ordinal();
        LONGS.setOpaque(errors, i, errors[i] + 1);
        increment(ERRORS);
    }

    long read(int metric) {
        return (long) LONGS.getOpaque(metrics, metric);
    }

    long errors(ErrorCode code) {
        return (long) LONGS.getOpaque(errors, code.ordinal());
    }
}
