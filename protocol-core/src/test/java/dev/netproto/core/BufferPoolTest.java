package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BufferPoolTest {
    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);

    @Test
    void shouldRoundUpToPowerOfTwoClasses() {
        assertEquals(0, BufferPool.sizeClass(1));
        assertEquals(0, BufferPool.sizeClass(4096));
        assertEquals(1, BufferPool.sizeClass(4097));
        assertEquals(13, BufferPool.sizeClass(16 * 1024 * 1024 + 16));
        assertThrows(IllegalArgumentException.class, () -> BufferPool.sizeClass((1 << 25) + 1));
    }

    @Test
    void shouldReuseReleasedBuffersAndCountThoseInUse() {
        PooledBuffer a = pool.acquire(10_000);
        assertEquals(16_384, a.buf.capacity());
        assertEquals(1, counters.read(LoopCounters.BUFFERS_IN_USE));
        a.buf.position(100);
        pool.release(a);
        assertEquals(0, pool.inUse());
        PooledBuffer b = pool.acquire(9_000);
        assertSame(a, b);
        assertEquals(0, b.buf.position(), "a reused buffer comes back cleared");
        pool.release(b);
    }

    @Test
    void shouldPoolHeapBuffersApartFromDirectOnes() {
        PooledBuffer heap = pool.acquireHeap(10_000);
        assertFalse(heap.buf.isDirect());
        assertTrue(heap.buf.hasArray());
        assertEquals(16_384, heap.buf.capacity());
        pool.release(heap);
        PooledBuffer direct = pool.acquire(10_000);
        assertTrue(direct.buf.isDirect(), "a released heap buffer is not handed out as a direct one");
        assertSame(heap, pool.acquireHeap(9_000));
        assertEquals(2, pool.inUse());
        pool.release(direct);
        pool.release(heap);
    }

    @Test
    void shouldFailOnDoubleRelease() {
        PooledBuffer a = pool.acquire(1);
        pool.release(a);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.release(a));
        assertTrue(e.getMessage().contains("released twice"));
    }

    @Test
    void shouldReportALeakOnCloseInLeakCheckMode() {
        assertTrue(BufferPool.LEAK_CHECK, "the test suite runs with -Dnetproto.buffers.leakCheck=true");
        pool.acquire(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::close);
        assertTrue(e.getMessage().contains("1 pooled buffer(s) not returned"), e.getMessage());
    }

    @Test
    void shouldRetainABoundedNumberOfLargeBuffers() {
        assertEquals(64, BufferPool.retainedPerClass(BufferPool.sizeClass(BufferPool.SEGMENT_SIZE)));
        assertEquals(1, BufferPool.retainedPerClass(BufferPool.sizeClass(32 * 1024 * 1024)));
        assertEquals(16, BufferPool.retainedPerClass(BufferPool.sizeClass(1024 * 1024)));
    }

    @Test
    void shouldPointTheReadOnlyViewAtARegion() {
        PooledBuffer a = pool.acquire(64);
        a.buf.put(10, (byte) 42);
        assertEquals(42, a.view(10, 5).get());
        assertEquals(5, a.view(10, 5).remaining());
        assertTrue(a.view(0, 1).isReadOnly());
        pool.release(a);
    }
}
