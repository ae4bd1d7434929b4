package dev.netproto.api;

import java.time.Duration;
import java.util.List;

/** Validation of the {@code idle_spin} option shared by {@link ServerBuilder} and {@link ClientOptions}. */
final class IdleSpin {
    /** The longest idle spin accepted: past this, blocking in {@code select} costs less than the spin. */
    static final Duration MAX = Duration.ofMillis(10);

    private IdleSpin() {
    }

    /**
     * Adds a problem under the key {@code idle_spin} unless the value is in 0..{@link #MAX}.
     *
     * @param idleSpin the value; null is reported
     * @param problems where problems go
     */
    static void check(Duration idleSpin, List<String> problems) {
        if (idleSpin == null || idleSpin.isNegative() || idleSpin.compareTo(MAX) > 0) {
            problems.add("idle_spin: must be in 0.." + MAX.toMillis() + " ms (" + idleSpin + ")");
        }
    }
}
