package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.RequestTimeoutException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PendingRequestsTest {
    private static final long TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** An arbitrary clock origin, negative as System.nanoTime may be. */
    private static final long T0 = -5_000_000_000L;

    private final PendingRequests pending = new PendingRequests(TIMEOUT_NS);

    private final LoopCounters counters = new LoopCounters();

    /** A request as the client makes one; its client is not needed unless it crosses threads. */
    private static PendingRequest request(String route, long deadlineNs) {
        return new PendingRequest(null, route.getBytes(StandardCharsets.US_ASCII), route, null, deadlineNs, false);
    }

    private static long ms(long millis) {
        return T0 + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * Moves the id counter: reaching the wrap by counting would take 2^32 adds. Reflection on the class under test,
     * in its own package and module, is the only way that neither waits minutes nor widens production code.
     */
    private void nextRequestId(int id) throws ReflectiveOperationException {
        Field f = PendingRequests.class.getDeclaredField("nextRequestId");
        f.setAccessible(true);
        f.setInt(pending, id);
    }

    @Test
    void shouldNumberRequestsFromOne() {
        PendingRequest a = request("a", ms(100));
        PendingRequest b = request("b", ms(100));
        assertEquals(1, pending.add(a));
        assertEquals(2, pending.add(b));
        assertEquals(1, a.requestId);
        assertEquals(2, b.requestId);
        assertEquals(2, pending.size());
        assertSame(a, pending.remove(1));
        assertNull(pending.remove(1), "removed once");
        assertNull(pending.remove(77), "never sent");
        assertEquals(3, pending.add(request("c", ms(100))), "ids are not reused before the wrap");
    }

    @Test
    void shouldSkipZeroAndInFlightIdsWhenTheCounterWraps() throws ReflectiveOperationException {
        assertEquals(1, pending.add(request("one", ms(100))));
        assertEquals(2, pending.add(request("two", ms(100))));
        nextRequestId(Integer.MAX_VALUE);
        assertEquals(Integer.MAX_VALUE, pending.add(request("max", ms(100))));
        assertEquals(Integer.MIN_VALUE, pending.add(request("min", ms(100))), "ids are unsigned on the wire");
        nextRequestId(-1);
        assertEquals(-1, pending.add(request("last", ms(100))));
        assertEquals(3, pending.add(request("after", ms(100))), "0 is no request id; 1 and 2 are in flight");
        assertEquals(6, pending.size());
        pending.remove(1);
        nextRequestId(0);
        assertEquals(1, pending.add(request("again", ms(100))), "a finished id is free again");
    }

    @Test
    void shouldScanOnlyWhenTheEarliestDeadlineIsDue() {
        pending.add(request("a", ms(100)));
        pending.add(request("b", ms(150)));
        assertFalse(pending.scanDue(ms(99)));
        assertTrue(pending.scanDue(ms(100)));
        assertFalse(new PendingRequests(0).scanDue(ms(100_000)), "no timeout, no scan");
        assertFalse(new PendingRequests(TIMEOUT_NS).scanDue(ms(100_000)), "nothing pending, no scan");
    }

    @Test
    void shouldFailOnlyTheRequestsThatAreDueAndRememberTheNextDeadline() {
        PendingRequest a = request("a", ms(100));
        PendingRequest b = request("b", ms(150));
        PendingRequest c = request("c", ms(300));
        pending.add(a);
        pending.add(b);
        pending.add(c);
        assertEquals(2, pending.expire(ms(150), counters, "conn-7"));
        assertEquals(2, counters.read(LoopCounters.REQUESTS_TIMED_OUT));
        assertEquals(1, pending.size());
        RequestTimeoutException e = assertInstanceOf(RequestTimeoutException.class, a.exceptionNow());
        assertEquals("request 1 to route 'a' on conn-7 got no answer within 100 ms", e.getMessage());
        assertInstanceOf(RequestTimeoutException.class, b.exceptionNow());
        assertFalse(c.isDone());
        assertNull(pending.remove(1), "a timed-out request's late answer finds nothing");

        assertFalse(pending.scanDue(ms(299)), "the next scan waits for the next deadline");
        assertTrue(pending.scanDue(ms(300)));
        assertEquals(0, pending.expire(ms(299), counters, "conn-7"));
        assertFalse(c.isDone());
        assertEquals(1, pending.expire(ms(300), counters, "conn-7"));
        assertTrue(c.isCompletedExceptionally());
        assertEquals(0, pending.size());
        assertFalse(pending.scanDue(ms(10_000)));
    }

    @Test
    void shouldCountATimeoutBeforeItsWaiterFails() {
        PendingRequest a = request("a", ms(100));
        pending.add(a);
        long[] seen = {-1};
        // A waiter (a test, a metrics check) must find the timeout counted when its future fails.
        a.whenComplete((m, e) -> seen[0] = counters.read(LoopCounters.REQUESTS_TIMED_OUT));
        assertEquals(1, pending.expire(ms(100), counters, "conn"));
        assertEquals(1, seen[0]);
    }

    @Test
    void shouldExpireMoreRequestsThanItsFirstScratchHolds() {
        List<PendingRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            PendingRequest p = request("r" + i, ms(100 + i));
            requests.add(p);
            pending.add(p);
        }
        assertEquals(35, pending.expire(ms(134), counters, "conn"));
        assertEquals(5, pending.size());
        assertEquals(35, requests.stream().filter(PendingRequest::isCompletedExceptionally).count());
        assertFalse(pending.scanDue(ms(134)));
        assertTrue(pending.scanDue(ms(135)));
    }

    @Test
    void shouldFailEveryRequestWhenTheConnectionCloses() {
        PendingRequest a = request("a", ms(100));
        PendingRequest b = request("b", ms(100));
        pending.add(a);
        pending.add(b);
        ConnectionClosedException closed = new ConnectionClosedException(ErrorCode.NORMAL, "closed by test");
        pending.failAll(closed);
        assertEquals(0, pending.size());
        assertSame(closed, a.exceptionNow());
        assertSame(closed, b.exceptionNow());
        assertEquals(3, pending.add(request("c", ms(200))), "usable again, ids go on");
    }
}
