package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FlowControlTest {
    private static final long LOW = 1_000;
    private static final long HIGH = 4_000;
    private static final long TIMEOUT_NS = 500;
    private static final long T0 = -1_000_000L;

    private final FlowControl flow = new FlowControl(LOW, HIGH, TIMEOUT_NS);

    @Test
    void shouldStopTakingSendsOnceAboveTheHighWatermark() {
        assertTrue(flow.isWritable());
        assertFalse(flow.queued(HIGH), "at the watermark is not above it");
        assertTrue(flow.isWritable());
        assertTrue(flow.queued(HIGH + 1));
        assertFalse(flow.isWritable());
        assertFalse(flow.queued(HIGH + 1), "the transition is reported once");
        assertFalse(flow.queued(HIGH * 10));
        assertFalse(flow.isWritable());
    }

    @Test
    void shouldResumeOnceUnderTheLowWatermark() {
        assertFalse(flow.drained(0), "nothing to resume before the high watermark was passed");
        flow.queued(HIGH + 1);
        assertFalse(flow.drained(HIGH), "between the watermarks");
        assertFalse(flow.drained(LOW), "at the low watermark is not under it");
        assertFalse(flow.isWritable());
        assertTrue(flow.drained(LOW - 1));
        assertTrue(flow.isWritable());
        assertFalse(flow.drained(0), "the transition is reported once");
        assertFalse(flow.queued(HIGH), "back under, the high watermark counts anew");
        assertTrue(flow.queued(HIGH + 1));
    }

    @Test
    void shouldExpireAStallWithoutProgress() {
        assertFalse(flow.stallExpired(T0), "no stall");
        flow.blocked(false, T0);
        assertFalse(flow.stallExpired(T0 + TIMEOUT_NS - 1));
        assertTrue(flow.stallExpired(T0 + TIMEOUT_NS));
        flow.blocked(false, T0 + 400);
        assertTrue(flow.stallExpired(T0 + TIMEOUT_NS), "no progress does not restart the clock");
    }

    @Test
    void shouldRestartTheStallClockOnProgress() {
        flow.blocked(false, T0);
        flow.blocked(true, T0 + 400);
        assertFalse(flow.stallExpired(T0 + TIMEOUT_NS));
        assertFalse(flow.stallExpired(T0 + 400 + TIMEOUT_NS - 1));
        assertTrue(flow.stallExpired(T0 + 400 + TIMEOUT_NS));
    }

    @Test
    void shouldEndTheStallWhenTheSocketTakesEverything() {
        flow.blocked(false, T0);
        flow.flowing();
        assertFalse(flow.stallExpired(T0 + TIMEOUT_NS * 10));
        flow.blocked(false, T0 + 10_000);
        assertFalse(flow.stallExpired(T0 + 10_000 + TIMEOUT_NS - 1), "a new stall starts its own clock");
        assertTrue(flow.stallExpired(T0 + 10_000 + TIMEOUT_NS));
    }

    @Test
    void shouldNeverExpireWithoutAWriteTimeout() {
        FlowControl noTimeout = new FlowControl(LOW, HIGH, 0);
        noTimeout.blocked(false, T0);
        assertFalse(noTimeout.stallExpired(Long.MAX_VALUE));
    }

    @Test
    void shouldReleaseSendersWhenClosed() {
        flow.queued(HIGH + 1);
        assertFalse(flow.isWritable());
        flow.closed();
        assertTrue(flow.isWritable());
    }
}
