package dev.netproto.daemon;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one benchmark run.
 *
 * @param spec      what was run
 * @param completed round trips completed within the measured window
 * @param errors    requests that failed, whose response had the wrong length, or that were still unanswered at
 *                  the end, over the whole run (warm-up included)
 * @param latencyNs the round-trip times, in nanoseconds, of the requests completed within the measured window
 */
record BenchResult(BenchSpec spec, long completed, long errors, Histogram latencyNs) {

    private static final double NANOS_PER_MICRO = TimeUnit.MICROSECONDS.toNanos(1);

    /**
     * Returns the throughput over the measured window.
     *
     * @return completed round trips per second, rounded
     */
    long msgsPerSec() {
        return Math.round(completed * (double) TimeUnit.SECONDS.toNanos(1) / spec.measured().toNanos());
    }

    /**
     * Returns a round-trip time percentile.
     *
     * @param percentile from 0 to 100, such as 99.9
     * @return the time in microseconds, rounded; 0 if nothing completed
     */
    long percentileMicros(double percentile) {
        if (latencyNs.getTotalCount() == 0) {
            return 0;
        }
        return Math.round(latencyNs.getValueAtPercentile(percentile) / NANOS_PER_MICRO);
    }

    /**
     * Returns the longest round trip.
     *
     * @return the time in microseconds, rounded; 0 if nothing completed
     */
    long maxMicros() {
        if (latencyNs.getTotalCount() == 0) {
            return 0;
        }
        return Math.round(latencyNs.getMaxValue() / NANOS_PER_MICRO);
    }

    /**
     * Formats the result as the one line {@code np bench} prints.
     *
     * @return for example {@code msgs_per_sec=123456 p50_us=41 p99_us=180 p999_us=420 max_us=2100 errors=0}
     */
    String line() {
        return "msgs_per_sec=" + msgsPerSec() + " p50_us=" + percentileMicros(50) + " p99_us=" + percentileMicros(99)
            + " p999_us=" + percentileMicros(99.9) + " max_us=" + maxMicros() + " errors=" + errors;
    }
}
