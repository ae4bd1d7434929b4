package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AdmissionOptions;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SourceLimitsTest {
    private static final long MS = 1_000_000L;
    /** Clock origins: times compare only by difference. */
    private static final long[] ORIGINS = {0, -5_000_000_000_000L, Long.MAX_VALUE - 10_000 * MS};

    private static InetAddress address(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    private static SourceLimits limits(int perSource, int rate, int burst) {
        return new SourceLimits(AdmissionOptions.builder().maxConnectionsPerSource(perSource)
            .sourceConnectionRate(rate, burst).build());
    }

    @Test
    void shouldAdmitTheBurstThenOneConnectionPerInterval() throws Exception {
        for (long t0 : ORIGINS) {
            SourceLimits limits = limits(0, 10, 3);
            InetAddress a = address("10.0.0.1");
            for (int i = 0; i < 3; i++) {
                assertNull(limits.admit(a, t0).refusal(), "burst " + i);
            }
            assertEquals("refused: 10.0.0.1 opens connections faster than 10 per second (burst 3)",
                limits.admit(a, t0).refusal());
            assertNotNull(limits.admit(a, t0 + 99 * MS).refusal(), "one interval is 100 ms");
            assertNull(limits.admit(a, t0 + 100 * MS).refusal());
            assertNotNull(limits.admit(a, t0 + 100 * MS).refusal());
            // Quiet for a long time: the whole burst again, not more.
            for (int i = 0; i < 3; i++) {
                assertNull(limits.admit(a, t0 + 10_000 * MS).refusal(), "burst again " + i);
            }
            assertNotNull(limits.admit(a, t0 + 10_000 * MS).refusal());
        }
    }

    @Test
    void shouldCountEachSourceApart() throws Exception {
        SourceLimits limits = limits(0, 1, 1);
        assertNull(limits.admit(address("10.0.0.1"), 0).refusal());
        assertNotNull(limits.admit(address("10.0.0.1"), 0).refusal());
        assertNull(limits.admit(address("10.0.0.2"), 0).refusal());
    }

    @Test
    void shouldCountAnIpv6Slash64AsOneSource() throws Exception {
        SourceLimits limits = limits(0, 1, 2);
        assertNull(limits.admit(address("2001:db8:1:2::1"), 0).refusal());
        assertNull(limits.admit(address("2001:db8:1:2:ffff::9"), 0).refusal());
        assertEquals("refused: 2001:db8:1:2:0:0:0:0/64 opens connections faster than 1 per second (burst 2)",
            limits.admit(address("2001:db8:1:2:abcd::1"), 0).refusal());
        assertNull(limits.admit(address("2001:db8:1:3::1"), 0).refusal(), "another /64");
    }

    @Test
    void shouldLimitConnectionsHeldAndTakeThemBackOnRelease() throws Exception {
        SourceLimits limits = limits(2, 0, 1);
        InetAddress a = address("10.0.0.1");
        SourceLimits.Decision first = limits.admit(a, 0);
        SourceLimits.Decision second = limits.admit(a, 0);
        assertNotNull(first.source());
        assertSame(first.source(), second.source());
        assertEquals("refused: 10.0.0.1 holds its maximum of 2 connections", limits.admit(a, 0).refusal());
        first.source().release();
        assertNull(limits.admit(a, 0).refusal());
    }

    @Test
    void shouldNotTrackUnixSocketPeersOrAnythingWithoutLimits() throws Exception {
        assertSame(SourceLimits.Decision.UNTRACKED, limits(1, 1, 1).admit(null, 0));
        SourceLimits off = limits(0, 0, 1);
        assertFalse(off.enabled());
        for (int i = 0; i < 1000; i++) {
            assertSame(SourceLimits.Decision.UNTRACKED, off.admit(address("10.0.0.1"), 0));
        }
        assertEquals(0, off.size());
    }

    @Test
    void shouldForgetSourcesThatAreBackToAFullBucketAndHoldNothing() throws Exception {
        SourceLimits limits = limits(0, 100, 1);
        for (int i = 0; i < 5_000; i++) {
            // Each source once, 1 ms apart: its bucket is full again 10 ms later.
            assertNull(limits.admit(address("10.1." + (i >> 8) + "." + (i & 0xFF)), i * MS).refusal());
        }
        assertTrue(limits.size() < 2_048, "swept as it grew: " + limits.size());
    }

    @Test
    void shouldKeepAtMostMaxSourcesAndAdmitTheRestUntracked() throws Exception {
        SourceLimits limits = limits(0, 1, 1);
        List<SourceLimits.Decision> decisions = new ArrayList<>();
        int n = SourceLimits.MAX_SOURCES + 10;
        for (int i = 0; i < n; i++) {
            decisions.add(limits.admit(address("10." + (i >> 16) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF)), 0));
        }
        assertEquals(SourceLimits.MAX_SOURCES, limits.size());
        for (SourceLimits.Decision d : decisions) {
            assertNull(d.refusal(), "every new source is admitted, tracked or not");
        }
    }
}
