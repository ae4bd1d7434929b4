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
        assertFalse(flow.passesHigh(false, HIGH), "at the watermark is not above it");
        assertTrue(flow.passesHigh(false, HIGH + 1));
        assertFalse(flow.passesHigh(true, HIGH + 1), "the transition is reported once");
        assertFalse(flow.passesHigh(true, HIGH * 10));
    }

    @Test
    void shouldResumeOnceUnderTheLowWatermark() {
        assertFalse(flow.fallsUnderLow(false, 0), "nothing to resume before the high watermark was passed");
        assertFalse(flow.fallsUnderLow(true, HIGH), "between the watermarks");
        assertFalse(flow.fallsUnderLow(true, LOW), "at the low watermark is not under it");
        assertTrue(flow.fallsUnderLow(true, LOW - 1));
        assertFalse(flow.passesHigh(false, HIGH), "back under, the high watermark counts anew");
        assertTrue(flow.passesHigh(false, HIGH + 1));
    }

    @Test
    void shouldExpireAStallWithoutProgress() {
        assertFalse(flow.stallExpired(false, T0 + TIMEOUT_NS * 10, T0), "no stall");
        assertTrue(FlowControl.restartsStall(false, false), "a new stall starts the clock");
        assertFalse(flow.stallExpired(true, T0 + TIMEOUT_NS - 1, T0));
        assertTrue(flow.stallExpired(true, T0 + TIMEOUT_NS, T0));
        assertFalse(FlowControl.restartsStall(false, true), "no progress does not restart the clock");
    }

    @Test
    void shouldRestartTheStallClockOnProgress() {
        assertTrue(FlowControl.restartsStall(true, true));
        long restarted = T0 + 400;
        assertFalse(flow.stallExpired(true, T0 + TIMEOUT_NS, restarted));
        assertFalse(flow.stallExpired(true, restarted + TIMEOUT_NS - 1, restarted));
        assertTrue(flow.stallExpired(true, restarted + TIMEOUT_NS, restarted));
    }

    @Test
    void shouldExpireAtAnyClockOrigin() {
        for (long t0 : new long[] {0, Long.MAX_VALUE - 100, Long.MIN_VALUE + 100}) {
            assertFalse(flow.stallExpired(true, t0 + TIMEOUT_NS - 1, t0), "origin " + t0);
            assertTrue(flow.stallExpired(true, t0 + TIMEOUT_NS, t0), "origin " + t0);
        }
    }

    @Test
    void shouldNeverExpireWithoutAWriteTimeout() {
        FlowControl noTimeout = new FlowControl(LOW, HIGH, 0);
        assertFalse(noTimeout.stallExpired(true, Long.MAX_VALUE, T0));
    }
}
