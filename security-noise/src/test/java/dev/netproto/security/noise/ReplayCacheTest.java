package dev.netproto.security.noise;

import static dev.netproto.security.noise.ReplayCache.Result.ACCEPTED;
import static dev.netproto.security.noise.ReplayCache.Result.FULL;
import static dev.netproto.security.noise.ReplayCache.Result.REPLAYED;
import static dev.netproto.security.noise.ReplayCache.Result.TOO_NEW;
import static dev.netproto.security.noise.ReplayCache.Result.TOO_OLD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReplayCacheTest {
    private static final long WINDOW_MS = 30_000;
    private static final long T0 = 1_700_000_000_000L;

    private final AtomicLong nowMs = new AtomicLong(T0);
    private final InstantSource clock = () -> Instant.ofEpochMilli(nowMs.get());

    private ReplayCache cache(int maxEntries) {
        return new ReplayCache(Duration.ofMillis(WINDOW_MS), maxEntries, clock);
    }

    /** A distinct 32-byte ephemeral key per {@code n}. */
    private static byte[] ephemeral(int n) {
        byte[] key = new byte[32];
        key[0] = (byte) n;
        key[1] = (byte) (n >>> 8);
        key[31] = (byte) (n >>> 16);
        return key;
    }

    @Test
    void shouldAcceptAFreshMessageAndRefuseItsReplay() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0, ephemeral(1)));
        assertEquals(REPLAYED, cache.check(T0, ephemeral(1)));
        assertEquals(ACCEPTED, cache.check(T0, ephemeral(2)));
        assertEquals(2, cache.size());
    }

    @Test
    void shouldRefuseAReplayWhenItsTimestampWasChanged() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0 - 5_000, ephemeral(1)));
        assertEquals(REPLAYED, cache.check(T0 + 5_000, ephemeral(1)));
    }

    @Test
    void shouldAcceptTheWindowsEdgesAndRefuseOneMillisecondBeyond() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0 - WINDOW_MS, ephemeral(1)));
        assertEquals(TOO_OLD, cache.check(T0 - WINDOW_MS - 1, ephemeral(2)));
        assertEquals(ACCEPTED, cache.check(T0 + WINDOW_MS, ephemeral(3)));
        assertEquals(TOO_NEW, cache.check(T0 + WINDOW_MS + 1, ephemeral(4)));
        assertEquals(TOO_OLD, cache.check(Long.MIN_VALUE, ephemeral(5)));
        assertEquals(TOO_NEW, cache.check(Long.MAX_VALUE, ephemeral(6)));
        assertEquals(2, cache.size(), "refused messages are not recorded");
    }

    @Test
    void shouldEvictEntriesOnceTheyLeaveTheWindowAndCallTheirReplayTooOld() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0, ephemeral(1)));
        nowMs.set(T0 + WINDOW_MS);
        assertEquals(REPLAYED, cache.check(T0, ephemeral(1)), "still in the window");
        nowMs.set(T0 + WINDOW_MS + 1);
        assertEquals(TOO_OLD, cache.check(T0, ephemeral(1)));
        assertEquals(0, cache.size(), "evicted");
    }

    @Test
    void shouldRememberAFutureTimestampUntilItLeavesTheWindowItself() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0 + WINDOW_MS, ephemeral(1)));
        nowMs.set(T0 + 2 * WINDOW_MS);
        assertEquals(REPLAYED, cache.check(T0 + WINDOW_MS, ephemeral(1)));
        assertEquals(1, cache.size());
        nowMs.set(T0 + 2 * WINDOW_MS + 1);
        assertEquals(TOO_OLD, cache.check(T0 + WINDOW_MS, ephemeral(1)));
        assertEquals(0, cache.size());
    }

    @Test
    void shouldEvictOutOfOrderTimestampsInTimestampOrder() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0 + 10_000, ephemeral(1)));
        assertEquals(ACCEPTED, cache.check(T0 - 10_000, ephemeral(2)));
        assertEquals(ACCEPTED, cache.check(T0, ephemeral(3)));
        nowMs.set(T0 + WINDOW_MS - 10_000 + 1);
        assertEquals(ACCEPTED, cache.check(nowMs.get(), ephemeral(4)));
        assertEquals(3, cache.size(), "only the entry stamped T0 - 10 s is gone");
        assertEquals(REPLAYED, cache.check(T0, ephemeral(3)));
        assertEquals(REPLAYED, cache.check(T0 + 10_000, ephemeral(1)));
    }

    @Test
    void shouldRefuseNewEntriesWhenFullRatherThanForgetLiveOnes() {
        ReplayCache cache = cache(2);
        assertEquals(ACCEPTED, cache.check(T0, ephemeral(1)));
        assertEquals(ACCEPTED, cache.check(T0 + 1, ephemeral(2)));
        assertEquals(FULL, cache.check(T0, ephemeral(3)));
        assertEquals(FULL, cache.check(T0, ephemeral(3)), "a FULL message was not recorded");
        assertEquals(REPLAYED, cache.check(T0, ephemeral(1)), "a replay is still a replay when full");
        assertEquals(REPLAYED, cache.check(T0 + 1, ephemeral(2)));
        assertEquals(2, cache.size());

        nowMs.set(T0 + WINDOW_MS + 1);
        assertEquals(ACCEPTED, cache.check(nowMs.get(), ephemeral(3)), "room again once the first entry aged out");
        assertEquals(FULL, cache.check(nowMs.get(), ephemeral(4)));
        nowMs.set(T0 + WINDOW_MS + 2);
        assertEquals(ACCEPTED, cache.check(nowMs.get(), ephemeral(4)));
    }

    @Test
    void shouldNotReopenReplaysWhenTheClockGoesBack() {
        ReplayCache cache = cache(100);
        assertEquals(ACCEPTED, cache.check(T0, ephemeral(1)));
        nowMs.set(T0 + WINDOW_MS + 1);
        assertEquals(ACCEPTED, cache.check(nowMs.get(), ephemeral(2)));
        assertEquals(1, cache.size(), "the first entry was evicted");
        nowMs.set(T0);
        assertEquals(TOO_OLD, cache.check(T0, ephemeral(1)), "its replay is refused although the clock is back at T0");
        assertEquals(ACCEPTED, cache.check(T0 + 1, ephemeral(3)), "still within the highest floor seen");
    }

    @Test
    void shouldCopyTheKeyWhenRecordingIt() {
        ReplayCache cache = cache(100);
        byte[] key = ephemeral(7);
        assertEquals(ACCEPTED, cache.check(T0, key));
        key[5] = 99;
        assertEquals(REPLAYED, cache.check(T0, ephemeral(7)));
        assertEquals(ACCEPTED, cache.check(T0, key));
    }

    @Test
    void shouldValidateArgumentsNamingThem() {
        ReplayCache cache = cache(1);
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
            () -> cache.check(T0, new byte[31]));
        assertEquals("ephemeralPublicKey must be 32 bytes, was 31", shortKey.getMessage());
        assertThrows(NullPointerException.class, () -> cache.check(T0, null));
        IllegalArgumentException window = assertThrows(IllegalArgumentException.class,
            () -> new ReplayCache(Duration.ZERO, 1, clock));
        assertEquals("window must be from 1 ms to 24 h, was PT0S", window.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReplayCache(Duration.ofMillis(-1), 1, clock));
        assertThrows(IllegalArgumentException.class, () -> new ReplayCache(Duration.ofHours(25), 1, clock));
        IllegalArgumentException max = assertThrows(IllegalArgumentException.class,
            () -> new ReplayCache(Duration.ofSeconds(1), 0, clock));
        assertEquals("maxEntries must be at least 1, was 0", max.getMessage());
        assertThrows(NullPointerException.class, () -> new ReplayCache(Duration.ofSeconds(1), 1, null));
        ReplayCache system = new ReplayCache(Duration.ofSeconds(30), 10);
        assertEquals(Duration.ofSeconds(30), system.window());
        assertEquals(10, system.maxEntries());
        assertEquals(ACCEPTED, system.check(System.currentTimeMillis(), ephemeral(1)));
    }

    @Test
    void shouldAcceptAKeyExactlyOnceWhenManyThreadsRaceForIt() throws Exception {
        ReplayCache cache = cache(1_000);
        int threads = 4;
        int keys = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Map<ReplayCache.Result, Integer>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    Map<ReplayCache.Result, Integer> counts = new EnumMap<>(ReplayCache.Result.class);
                    start.await();
                    for (int k = 0; k < keys; k++) {
                        counts.merge(cache.check(T0, ephemeral(k)), 1, Integer::sum);
                    }
                    return counts;
                }));
            }
            start.countDown();
            int accepted = 0;
            int replayed = 0;
            for (Future<Map<ReplayCache.Result, Integer>> f : results) {
                Map<ReplayCache.Result, Integer> counts = f.get();
                accepted += counts.getOrDefault(ACCEPTED, 0);
                replayed += counts.getOrDefault(REPLAYED, 0);
                assertTrue(counts.keySet().stream().allMatch(r -> r == ACCEPTED || r == REPLAYED), counts.toString());
            }
            assertEquals(keys, accepted);
            assertEquals((threads - 1) * keys, replayed);
            assertEquals(keys, cache.size());
        } finally {
            pool.shutdownNow();
        }
    }
}
