package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ErrorLogTest {
    private final List<String> warn = new ArrayList<>();
    private final List<String> debug = new ArrayList<>();
    private long now = -TimeUnit.SECONDS.toNanos(1_000);
    /** Scheduled ticks: when each is due, and the task; run by {@link #advance}. */
    private final List<long[]> dueAt = new ArrayList<>();
    private final List<Runnable> due = new ArrayList<>();
    private final ErrorLog log = new ErrorLog(new ErrorLog.Sink() {
        @Override
        public void warn(String line) {
            warn.add(line);
        }

        @Override
        public void debug(String line) {
            debug.add(line);
        }

        @Override
        public boolean debugEnabled() {
            return true;
        }
    }, () -> now);
    private final ErrorLog.Scheduler scheduler = (delayNs, task) -> {
        dueAt.add(new long[] {now + delayNs});
        due.add(task);
    };

    private void advance(long seconds) {
        now += TimeUnit.SECONDS.toNanos(seconds);
        for (int i = 0; i < due.size(); i++) {
            if (now - dueAt.get(i)[0] >= 0) {
                Runnable task = due.remove(i);
                dueAt.remove(i);
                task.run();
                i = -1;
            }
        }
    }

    private void report(int n, ErrorCode code) {
        for (int i = 0; i < n; i++) {
            log.report(code, "conn#" + i + " /127.0.0.1:" + (40_000 + i), "HELLO did not complete within 10000 ms",
                scheduler);
        }
    }

    @Test
    void shouldWarnOnceAndSumUpAFloodInOneLinePerWindow() {
        report(9_813, ErrorCode.TIMEOUT);
        assertEquals(1, warn.size(), "the first at once, the rest summed up");
        assertTrue(warn.get(0).startsWith("conn#0 /127.0.0.1:40000: closing: HELLO did not complete within 10000 ms"
            + " (TIMEOUT)"), warn.get(0));
        assertEquals(9_813, debug.size(), "every connection at DEBUG");
        advance(10);
        assertEquals(2, warn.size());
        assertEquals("closed 9,812 more connections with TIMEOUT in the last 10 s; e.g. conn#1 /127.0.0.1:40001: HELLO"
            + " did not complete within 10000 ms", warn.get(1));
    }

    @Test
    void shouldKeepSummingWhileTheFloodLastsAndWarnAtOnceAfterAQuietWindow() {
        report(100, ErrorCode.TIMEOUT);
        advance(10);
        report(50, ErrorCode.TIMEOUT);
        advance(10);
        assertEquals(3, warn.size(), warn.toString());
        assertTrue(warn.get(2).startsWith("closed 50 more connections"), warn.get(2));
        advance(10);
        assertEquals(3, warn.size(), "a window with nothing in it closes silently");
        report(1, ErrorCode.TIMEOUT);
        assertEquals(4, warn.size(), "after a quiet window the next error is logged at once");
        assertTrue(warn.get(3).contains("closing:"), warn.get(3));
    }

    @Test
    void shouldLimitEachCodeSeparately() {
        report(10, ErrorCode.TIMEOUT);
        report(10, ErrorCode.BAD_MAGIC);
        assertEquals(2, warn.size(), "one first line per code");
        advance(10);
        assertEquals(4, warn.size(), "one summary per code");
        assertTrue(warn.stream().anyMatch(l -> l.startsWith("closed 9 more connections with BAD_MAGIC")),
            warn.toString());
    }

    @Test
    void shouldSumUpInlineWhenAnErrorArrivesAfterTheWindowEvenWithoutItsTimer() {
        report(5, ErrorCode.TIMEOUT);
        due.clear();
        dueAt.clear();
        now += TimeUnit.SECONDS.toNanos(11);
        report(1, ErrorCode.TIMEOUT);
        assertEquals(2, warn.size(), warn.toString());
        assertTrue(warn.get(1).startsWith("closed 5 more connections with TIMEOUT in the last 11 s"), warn.get(1));
    }

    @Test
    void shouldWriteWhatIsPendingWhenClosed() {
        report(3, ErrorCode.TIMEOUT);
        report(1, ErrorCode.BAD_MAGIC);
        now += TimeUnit.SECONDS.toNanos(4);
        log.flushAll();
        assertEquals(3, warn.size(), warn.toString());
        assertTrue(warn.get(2).startsWith("closed 2 more connections with TIMEOUT in the last 4 s"), warn.get(2));
        log.flushAll();
        assertEquals(3, warn.size(), "nothing twice; a window with nothing summed writes nothing");
    }
}
