package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The budget's accounting, alone and through a {@link BufferPool} that draws from it. */
@Timeout(10)
class MemoryBudgetTest {
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    private final LoopCounters counters = new LoopCounters();
    private final MemoryBudget budget = new MemoryBudget(MIB);
    private final BufferPool pool = new BufferPool(counters, budget);

    @Test
    void shouldRefuseLargeBuffersAboveTheHighWaterMarkAndSmallOnesAboveTheLimit() {
        assertEquals(896 * KIB, budget.highWaterBytes());
        assertEquals(768 * KIB, budget.lowWaterBytes());
        assertTrue(budget.tryReserve(512 * KIB));
        assertTrue(budget.tryReserve(256 * KIB));
        assertFalse(budget.tryReserve(256 * KIB), "a large buffer may not pass the high-water mark");
        assertEquals(768 * KIB, budget.reserved(), "a refusal reserves nothing");
        for (int i = 0; i < 4; i++) {
            assertTrue(budget.tryReserve(64 * KIB), "small buffers may use the headroom up to the limit");
        }
        assertEquals(MIB, budget.reserved());
        assertFalse(budget.tryReserve(64 * KIB));
        budget.forceReserve(64 * KIB);
        assertEquals(MIB + 64 * KIB, budget.reserved(), "a forced reservation passes the limit");
        assertEquals(MIB + 64 * KIB, budget.peak());
        budget.release(MIB + 64 * KIB);
        assertEquals(0, budget.reserved());
        assertEquals(MIB + 64 * KIB, budget.peak(), "the peak stays");
    }

    @Test
    void shouldCountABufferFromAllocationUntilThePoolDropsIt() {
        PooledBuffer a = pool.tryAcquire(100_000);
        assertEquals(128 * KIB, a.buf.capacity());
        assertEquals(128 * KIB, budget.reserved());
        pool.release(a);
        assertEquals(128 * KIB, budget.reserved(), "a buffer on the free list still counts");
        PooledBuffer b = pool.tryAcquire(100_000);
        assertSame(a, b, "reused");
        assertEquals(128 * KIB, budget.reserved(), "reusing a free buffer costs the budget nothing");
        pool.release(b);
        PooledBuffer small = pool.acquire(1);
        pool.release(small);
        assertEquals(128 * KIB, pool.dropLargeFree());
        assertEquals(4 * KIB, budget.reserved(), "only the large free buffers are dropped");
        pool.close();
        assertEquals(0, budget.reserved(), "closing the pool gives back what its free lists held");
    }

    @Test
    void shouldGiveBackTheBytesOfABufferReleasedBeyondWhatItsClassRetains() {
        MemoryBudget unlimited = MemoryBudget.unlimited();
        BufferPool p = new BufferPool(counters, unlimited);
        int size = 16 * MIB;
        assertEquals(1, BufferPool.retainedPerClass(BufferPool.sizeClass(size)));
        PooledBuffer a = p.tryAcquire(size);
        PooledBuffer b = p.tryAcquire(size);
        assertEquals(2L * size, unlimited.reserved());
        p.release(a);
        p.release(b);
        assertEquals(size, unlimited.reserved(), "the second is dropped for the GC, and its bytes given back");
        p.close();
        assertEquals(0, unlimited.reserved());
    }

    @Test
    void shouldRefuseWithoutThrowingAndCountTheRefusal() {
        PooledBuffer a = pool.tryAcquire(512 * KIB);
        PooledBuffer b = pool.tryAcquire(256 * KIB);
        assertNull(pool.tryAcquire(200_000), "256 KiB more would pass the high-water mark");
        assertEquals(1, counters.read(LoopCounters.MEMORY_REFUSALS));
        assertEquals(768 * KIB, budget.reserved());
        assertEquals(2, pool.inUse());
        PooledBuffer c = pool.acquire(200_000);
        assertEquals(MIB, budget.reserved(), "acquire is never refused");
        pool.release(a);
        pool.release(b);
        pool.release(c);
        pool.close();
        assertEquals(0, budget.reserved());
    }

    @Test
    void shouldDropIdleLargeBuffersOfAnotherSizeToMakeRoom() {
        PooledBuffer idle = pool.tryAcquire(512 * KIB);
        pool.release(idle);
        PooledBuffer held = pool.tryAcquire(256 * KIB);
        PooledBuffer wanted = pool.tryAcquire(256 * KIB);
        assertTrue(wanted != null, "the idle 512 KiB buffer was dropped to make room");
        assertEquals(512 * KIB, budget.reserved());
        assertEquals(0, counters.read(LoopCounters.MEMORY_REFUSALS));
        pool.release(held);
        pool.release(wanted);
        pool.close();
    }

    @Test
    void shouldCapTheFramePayloadAtTheLargestBufferUnderTheHighWaterMark() {
        // 896 KiB high water: the largest class under it is 512 KiB, which holds the header and sealing overhead.
        int max = budget.maxFramePayload();
        assertTrue(max > 500 * KIB && max + FrameDescriptor.HEADER_LENGTH <= 512 * KIB, String.valueOf(max));
        assertTrue(new MemoryBudget(72L * MIB).maxFramePayload() > dev.netproto.api.Limits.MAX_FRAME_LENGTH_CAP,
            "a 72 MiB budget caps nothing");
        assertTrue(MemoryBudget.unlimited().maxFramePayload() > dev.netproto.api.Limits.MAX_FRAME_LENGTH_CAP);
    }

    @Test
    void shouldDefaultToThreeQuartersOfTheJvmsDirectMemoryLimit() {
        HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        long configured = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
        long max = configured > 0 ? configured : Runtime.getRuntime().maxMemory();
        assertEquals(max / 4 * 3, MemoryBudget.defaultLimitBytes());
        assertEquals(max / 4 * 3, MemoryBudget.forServer(0).limitBytes());
        assertEquals(8L * MIB, MemoryBudget.forServer(8L * MIB).limitBytes());
    }

    @Test
    void shouldRefuseABudgetUnderTheMinimum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MemoryBudget(1000));
        assertTrue(e.getMessage().contains("1000 bytes"), e.getMessage());
    }
}
