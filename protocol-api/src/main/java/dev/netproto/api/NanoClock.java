package dev.netproto.api;

/**
 * The time source of every timeout and heartbeat of a server or client. Production uses {@link #system()}; tests
 * and simulations pass a clock they advance themselves, so that timeouts fire when the test says, not after a
 * real wait. Read on event loops: implementations must be thread-safe and cheap.
 */
@FunctionalInterface
public interface NanoClock {

    /**
     * Returns the current time in nanoseconds, from an arbitrary origin, never decreasing.
     *
     * @return nanoseconds, comparable only by difference, as {@link System#nanoTime()}
     */
    long nanoTime();

    /**
     * Returns the system's monotonic clock.
     *
     * @return a clock backed by {@link System#nanoTime()}
     */
    static NanoClock system() {
        return System::nanoTime;
    }
}
