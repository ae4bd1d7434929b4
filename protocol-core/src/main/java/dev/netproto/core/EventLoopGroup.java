package dev.netproto.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/** A fixed set of event loops; connections are spread across them round-robin. */
final class EventLoopGroup {
    private final EventLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();
    private final CoreMetrics metrics;

    /**
     * @param budget the direct memory the loops' buffer pools share: a server's, or an unlimited one for clients
     */
    EventLoopGroup(String namePrefix, int count, boolean daemon, LongSupplier nanoClock, Runnable onThreadExit,
                   MemoryBudget budget) {
        loops = new EventLoop[count];
        for (int i = 0; i < count; i++) {
            loops[i] = new EventLoop(namePrefix + "-" + i, daemon, nanoClock, onThreadExit, budget);
        }
        for (EventLoop loop : loops) {
            loop.start();
        }
        metrics = new CoreMetrics(namePrefix.contains("client") ? "client" : "server", loops, budget);
    }

    EventLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    EventLoop first() {
        return loops[0];
    }

    CoreMetrics metrics() {
        return metrics;
    }

    /**
     * Stops every loop, giving connections the grace period to close, and waits for the threads.
     *
     * @param graceNs how long connections get to close
     * @return the first failure any loop reported while stopping (such as a buffer leak), or null
     */
    Throwable shutdown(long graceNs) {
        for (EventLoop loop : loops) {
            loop.shutdownGracefully(graceNs);
        }
        Throwable failure = null;
        for (EventLoop loop : loops) {
            if (!loop.awaitTermination(graceNs + TimeUnit.SECONDS.toNanos(5))) {
                failure = failure != null ? failure
                    : new IllegalStateException("event loop " + loop.name() + " did not stop in time");
            } else if (loop.terminationFailure() != null && failure == null) {
                failure = loop.terminationFailure();
            }
        }
        return failure;
    }
}
