package dev.netproto.core;

import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.RequestTimeoutException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A client connection's requests awaiting their answers: request ids, the map from id to waiter, and the request
 * timeout. Servers send no requests and have none of this.
 *
 * <p>Ids count up from 1, wrapping, skipping 0 and ids still pending (docs/PROTOCOL.md section 5). Deadlines are
 * scanned only when the earliest one is due, not per tick.
 *
 * <p><b>Threading.</b> The owning event loop's thread only.
 */
final class PendingRequests {
    private final IntObjectMap<PendingRequest> pending = new IntObjectMap<>(64);
    private final long timeoutNs;
    private int nextRequestId = 1;
    private long nextScanNs;
    /** Scratch for {@link #expire}; created by its first scan. */
    private int[] expired;

    /** @param timeoutNs how long a request waits for its answer; 0 for no limit */
    PendingRequests(long timeoutNs) {
        this.timeoutNs = timeoutNs;
    }

    int size() {
        return pending.size();
    }

    /** Assigns the request its id and remembers it; returns the id. */
    int add(PendingRequest p) {
        int id;
        do {
            id = nextRequestId++;
        } while (id == 0 || pending.containsKey(id));
        p.requestId = id;
        if (pending.size() == 0) {
            nextScanNs = p.deadlineNs;
        }
        pending.put(id, p);
        return id;
    }

    /** Removes and returns the request with this id, or null if none is pending (it timed out, or never was). */
    PendingRequest remove(int requestId) {
        return pending.remove(requestId);
    }

    /** Whether a deadline may have passed by {@code now}: the scan is due. */
    boolean scanDue(long now) {
        return timeoutNs > 0 && pending.size() > 0 && now - nextScanNs >= 0;
    }

    /**
     * Fails the requests whose deadline passed and remembers when the next one is due.
     *
     * @param counters counts each timeout before its waiter fails, so that a waiter sees itself counted
     * @param owner    names the connection in the exception's message
     * @return how many timed out
     */
    int expire(long now, LoopCounters counters, Object owner) {
        if (expired == null) {
            expired = new int[16];
        }
        int[] count = {0};
        // No sentinel deadline: times compare only by difference, and any value can be a real deadline.
        int[] later = {0};
        long[] next = {0};
        pending.forEach((id, p) -> {
            if (now - p.deadlineNs >= 0) {
                if (count[0] == expired.length) {
                    expired = Arrays.copyOf(expired, count[0] * 2);
                }
                expired[count[0]++] = id;
            } else if (later[0]++ == 0 || p.deadlineNs - next[0] < 0) {
                next[0] = p.deadlineNs;
            }
        });
        for (int i = 0; i < count[0]; i++) {
            PendingRequest p = pending.remove(expired[i]);
            counters.increment(LoopCounters.REQUESTS_TIMED_OUT);
            p.completeExceptionally(new RequestTimeoutException(p + " on " + owner + " got no answer within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms"));
        }
        nextScanNs = later[0] == 0 ? now + timeoutNs : next[0];
        return count[0];
    }

    /** Fails every pending request with this exception. */
    void failAll(ConnectionClosedException e) {
        pending.drain(p -> p.completeExceptionally(e));
    }
}
