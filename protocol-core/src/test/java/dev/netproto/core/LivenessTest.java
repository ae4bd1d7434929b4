package dev.netproto.core;

import static dev.netproto.core.Liveness.CONNECT_TIMEOUT;
import static dev.netproto.core.Liveness.HANDSHAKE_TIMEOUT;
import static dev.netproto.core.Liveness.HEARTBEATS_MISSED;
import static dev.netproto.core.Liveness.IDLE_TIMEOUT;
import static dev.netproto.core.Liveness.OK;
import static dev.netproto.core.Liveness.SEND_PING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LivenessTest {
    /**
     * Clock origins to run every case at: a clock's values are comparable only by difference (NanoClock), so
     * zero, positive, negative and about-to-overflow origins must give the same verdicts.
     */
    private static final long[] ORIGINS = {0, 7_000_000_000_000L, -7_000_000_000_000L, Long.MAX_VALUE - ms(2_500)};

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * One connection's three times, kept as {@code Connection} keeps them, judged by a shared {@link Liveness}: the
     * phase starts and the first frame and PING count from creation, and a SEND_PING verdict records the PING.
     */
    private static final class Times {
        final Liveness rules;
        long phaseStartNs;
        long lastFrameNs;
        long lastPingNs;

        Times(Liveness rules, long now) {
            this.rules = rules;
            this.phaseStartNs = now;
            this.lastFrameNs = now;
            this.lastPingNs = now;
        }

        void phaseStarted(long now) {
            phaseStartNs = now;
        }

        void frameReceived(long now) {
            lastFrameNs = now;
        }

        int check(boolean connecting, boolean open, long now) {
            int verdict = rules.check(connecting, open, now, phaseStartNs, lastFrameNs, lastPingNs);
            if (verdict == SEND_PING) {
                lastPingNs = now;
            }
            return verdict;
        }

        String reason(int verdict, long now) {
            return rules.reason(verdict, now, lastFrameNs);
        }

        boolean quietFor(long now, long ns) {
            return Liveness.quietFor(now, lastFrameNs, ns);
        }
    }

    private static Times liveness(long connectMs, long handshakeMs, long idleMs, long heartbeatMs, int missed,
                                  long now) {
        return new Times(new Liveness(ms(connectMs), ms(handshakeMs), ms(idleMs), 0, ms(heartbeatMs), missed), now);
    }

    @Test
    void shouldGiveAFrameItsTimeoutPlusOneSecondPer64KibOfItsLength() {
        Liveness rules = new Liveness(0, 0, 0, ms(20_000), 0, 1);
        assertFalse(rules.frameExpired(ms(19_999), 0), "header not complete yet: the timeout alone");
        assertTrue(rules.frameExpired(ms(20_000), 0));
        assertFalse(rules.frameExpired(ms(20_999), 64 * 1024), "64 KiB: one more second");
        assertTrue(rules.frameExpired(ms(21_000), 64 * 1024));
        long maxFrame = 16L * 1024 * 1024 + 12;
        assertFalse(rules.frameExpired(ms(276_000), maxFrame), "16 MiB: 256 s more");
        assertTrue(rules.frameExpired(ms(276_001), maxFrame));
    }

    @Test
    void shouldNeverExpireAFrameWithoutAFrameTimeout() {
        Liveness rules = new Liveness(0, 0, 0, 0, 0, 1);
        assertFalse(rules.frameExpired(Long.MAX_VALUE, 0));
    }

    @Test
    void shouldTimeTheTransportConnect() {
        for (long t0 : ORIGINS) {
            Times l = liveness(3_000, 5_000, 30_000, 0, 3, t0);
            assertEquals(OK, l.check(true, false, t0 + ms(3_000) - 1), "origin " + t0);
            assertEquals(CONNECT_TIMEOUT, l.check(true, false, t0 + ms(3_000)), "origin " + t0);
            assertEquals("transport connect did not complete within 3000 ms", l.reason(CONNECT_TIMEOUT, t0));
            assertEquals(OK, liveness(0, 5_000, 30_000, 0, 3, t0).check(true, false, t0 + ms(1_000_000)),
                "no connect timeout");
        }
    }

    @Test
    void shouldTimeHelloAndTheHandshakeFromThePhaseStart() {
        for (long t0 : ORIGINS) {
            Times l = liveness(3_000, 5_000, 30_000, 0, 3, t0);
            l.phaseStarted(t0 + ms(1_000));
            assertEquals(OK, l.check(false, false, t0 + ms(5_000)), "5 s since construction, 4 s since connect");
            assertEquals(OK, l.check(false, false, t0 + ms(6_000) - 1), "origin " + t0);
            assertEquals(HANDSHAKE_TIMEOUT, l.check(false, false, t0 + ms(6_000)), "origin " + t0);
            assertEquals("HELLO did not complete within 5000 ms", l.reason(HANDSHAKE_TIMEOUT, t0));
            assertEquals(OK, liveness(3_000, 0, 30_000, 0, 3, t0).check(false, false, t0 + ms(1_000_000)),
                "no handshake timeout");
        }
    }

    @Test
    void shouldCloseAnOpenConnectionThatReceivedNothingForTheIdleTimeout() {
        for (long t0 : ORIGINS) {
            Times l = liveness(3_000, 5_000, 30_000, 0, 3, t0);
            l.frameReceived(t0 + ms(10_000));
            assertEquals(OK, l.check(false, true, t0 + ms(40_000) - 1), "origin " + t0);
            assertEquals(IDLE_TIMEOUT, l.check(false, true, t0 + ms(40_000)), "origin " + t0);
            assertEquals("no frame received for 30000 ms", l.reason(IDLE_TIMEOUT, t0));
            assertEquals(OK, liveness(3_000, 5_000, 0, 0, 3, t0).check(false, true, t0 + ms(1_000_000)),
                "no idle timeout");
        }
    }

    @Test
    void shouldPingOncePerQuietHeartbeatIntervalThenGiveUp() {
        for (long t0 : ORIGINS) {
            Times l = liveness(3_000, 5_000, 0, 1_000, 3, t0);
            String at = "origin " + t0;
            assertEquals(OK, l.check(false, true, t0 + ms(999)), at);
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(1_000)), at);
            assertEquals(OK, l.check(false, true, t0 + ms(1_000)), at + ": one ping per interval");
            assertEquals(OK, l.check(false, true, t0 + ms(1_999)), at);
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(2_000)), at);
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(3_000)), at);
            assertEquals(OK, l.check(false, true, t0 + ms(4_000) - 1), at);
            assertEquals(HEARTBEATS_MISSED, l.check(false, true, t0 + ms(4_000)), at);
            assertEquals("peer missed 3 heartbeats (no frame for 4000 ms)", l.reason(HEARTBEATS_MISSED,
                t0 + ms(4_000)), at);
        }
    }

    @Test
    void shouldPingOnlyWhenQuietAndNotAgainWithinAnInterval() {
        for (long t0 : ORIGINS) {
            Times l = liveness(3_000, 5_000, 0, 1_000, 3, t0);
            String at = "origin " + t0;
            for (long t = 900; t <= 9_000; t += 900) {
                l.frameReceived(t0 + ms(t));
                assertEquals(OK, l.check(false, true, t0 + ms(t + 899)), at + ": frames keep arriving");
            }
            l.frameReceived(t0 + ms(10_000));
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(11_000)), at);
            l.frameReceived(t0 + ms(11_200));
            assertEquals(OK, l.check(false, true, t0 + ms(12_100)), at + ": quiet for 900 ms only");
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(12_200)), at);
            l.frameReceived(t0 + ms(12_300));
            assertEquals(OK, l.check(false, true, t0 + ms(13_100)), at);
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(13_300)), at);
        }
    }

    @Test
    void shouldPreferTheIdleTimeoutToMissedHeartbeats() {
        for (long t0 : ORIGINS) {
            Times l = liveness(3_000, 5_000, 2_000, 1_000, 3, t0);
            assertEquals(SEND_PING, l.check(false, true, t0 + ms(1_000)));
            assertEquals(IDLE_TIMEOUT, l.check(false, true, t0 + ms(2_000)));
        }
    }

    @Test
    void shouldApplyOnlyThePhaseTimeoutBeforeTheConnectionIsOpen() {
        Times l = liveness(3_000, 5_000, 1_000, 500, 1, 0);
        assertEquals(OK, l.check(true, false, ms(2_999)), "no idle or heartbeat verdict while connecting");
        assertEquals(OK, l.check(false, false, ms(4_999)), "nor during HELLO");
        assertEquals(IDLE_TIMEOUT, l.check(false, true, ms(4_999)));
    }

    @Test
    void shouldNeverPingWithoutAHeartbeat() {
        Times l = liveness(3_000, 5_000, 0, 0, 3, 0);
        assertEquals(OK, l.check(false, true, ms(1_000_000)));
    }

    @Test
    void shouldTellHowLongItWasQuiet() {
        Times l = liveness(3_000, 5_000, 0, 0, 3, -ms(50));
        l.frameReceived(ms(100));
        assertFalse(l.quietFor(ms(199), ms(100)));
        assertTrue(l.quietFor(ms(200), ms(100)));
    }

    @Test
    void shouldGiveNoReasonForAVerdictThatIsNotATimeout() {
        Times l = liveness(3_000, 5_000, 0, 0, 3, 0);
        assertEquals("not a timeout: 5", assertThrows(IllegalArgumentException.class,
            () -> l.reason(SEND_PING, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> l.reason(OK, 0));
    }

    @Test
    void shouldExpireAtTheTimeoutAndNeverWithoutOne() {
        assertFalse(Liveness.expired(99, 100));
        assertTrue(Liveness.expired(100, 100));
        assertFalse(Liveness.expired(Long.MAX_VALUE, 0));
        assertEquals(1_500, Liveness.millis(1_500_000_000L));
    }
}
