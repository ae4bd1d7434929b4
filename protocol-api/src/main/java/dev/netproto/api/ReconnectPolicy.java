package dev.netproto.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whether and how a client reconnects after it lost its connection or the server sent GOAWAY: exponential backoff
 * with full jitter (each delay is uniform in 0..min(maxDelay, initialDelay × 2^attempt)), up to a number of
 * attempts. Requests made while reconnecting wait in a bounded queue ({@link #queueLimit()}) or fail at once.
 * Requests already sent when the connection was lost fail with {@link ConnectionClosedException}: they may have
 * been processed, so they are never sent twice.
 *
 * @param maxAttempts  attempts before giving up and closing the client; 0 disables reconnecting
 * @param initialDelay the first backoff ceiling
 * @param maxDelay     the largest backoff ceiling
 * @param queueLimit   requests held while reconnecting; 0 fails them at once with
 *                     {@link ConnectionClosedException}
 */
public record ReconnectPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, int queueLimit) {

    /**
     * Validates the policy.
     *
     * @param maxAttempts  attempts, 0 for none
     * @param initialDelay first ceiling, positive
     * @param maxDelay     largest ceiling, at least the first
     * @param queueLimit   queued requests, 0 for none
     */
    public ReconnectPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        List<String> problems = new ArrayList<>();
        if (maxAttempts < 0) {
            problems.add("reconnect.max_attempts: must be >= 0 (" + maxAttempts + ")");
        }
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            problems.add("reconnect.initial_delay: must be positive (" + initialDelay + ")");
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            problems.add("reconnect.max_delay: must be >= initial_delay (" + maxDelay + ")");
        }
        if (queueLimit < 0) {
            problems.add("reconnect.queue_limit: must be >= 0 (" + queueLimit + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Returns the policy that never reconnects (the default).
     *
     * @return a policy with no attempts
     */
    public static ReconnectPolicy disabled() {
        return new ReconnectPolicy(0, Duration.ofMillis(100), Duration.ofMillis(100), 0);
    }

    /**
     * Returns an exponential backoff policy.
     *
     * @param maxAttempts  attempts before giving up
     * @param initialDelay the first backoff ceiling
     * @param maxDelay     the largest backoff ceiling
     * @param queueLimit   requests held while reconnecting, 0 to fail them at once
     * @return the policy
     */
    public static ReconnectPolicy exponential(int maxAttempts, Duration initialDelay, Duration maxDelay,
                                              int queueLimit) {
        return new ReconnectPolicy(maxAttempts, initialDelay, maxDelay, queueLimit);
    }

    /**
     * Tells whether reconnecting is on.
     *
     * @return {@code true} when attempts are allowed
     */
    public boolean enabled() {
        return maxAttempts > 0;
    }

    /**
     * Returns the backoff ceiling before an attempt: {@code min(maxDelay, initialDelay × 2^(attempt-1))}.
     *
     * @param attempt the attempt number, from 1
     * @return the ceiling in nanoseconds; the delay is uniform between 0 and it
     */
    public long ceilingNanos(int attempt) {
        long initial = initialDelay.toNanos();
        int shift = Math.min(Math.max(attempt - 1, 0), 40);
        long ceiling = initial > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : initial << shift;
        return Math.min(ceiling, maxDelay.toNanos());
    }
}
