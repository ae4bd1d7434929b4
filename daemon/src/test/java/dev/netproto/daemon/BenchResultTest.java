package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchResultTest {
    private static final BenchSpec SPEC = new BenchSpec("tcp://127.0.0.1:7700", "echo", 16, 16, 64,
        Duration.ofSeconds(1), Duration.ofSeconds(2));

    private static BenchResult result() {
        Histogram h = new Histogram(LoadGenerator.HIGHEST_TRACKABLE_NS, LoadGenerator.SIGNIFICANT_DIGITS);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(TimeUnit.MICROSECONDS.toNanos(i));
        }
        return new BenchResult(SPEC, 1001, 3, h);
    }

    @Test
    void shouldFormatOneLineWithIntegersWhenPrinted() {
        assertEquals("msgs_per_sec=501 p50_us=500 p99_us=990 p999_us=999 max_us=1000 errors=3", result().line());
    }

    @Test
    void shouldPrintZerosWhenNothingCompleted() {
        BenchResult empty = new BenchResult(SPEC, 0, 5,
            new Histogram(LoadGenerator.HIGHEST_TRACKABLE_NS, LoadGenerator.SIGNIFICANT_DIGITS));
        assertEquals("msgs_per_sec=0 p50_us=0 p99_us=0 p999_us=0 max_us=0 errors=5", empty.line());
    }

    @Test
    void shouldAlignColumnsWhenFormattingTheDemoTable() {
        String table = DemoCommand.table(List.of(result(), result()), "us");
        String[] lines = table.split(System.lineSeparator());
        assertEquals(3, lines.length, table);
        assertTrue(lines[0].startsWith("connections  depth  size  msgs/s  p50 us"), table);
        assertEquals(lines[0].length(), lines[1].length(), table);
        assertTrue(lines[1].endsWith("1000       3"), table);
    }
}
