package dev.netproto.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on conditions instead of sleeping for a fixed time. */
final class Conditions {
    private Conditions() {
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
