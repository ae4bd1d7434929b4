package dev.netproto.core;

/**
 * Direct buffers in power-of-two size classes from 4 KiB to 32 MiB, owned by one event loop and used only on its
 * thread, so it needs no synchronisation.
 *
 * <p>Why pool: every frame that crosses a read boundary and every queued outbound segment needs a buffer, and
 * direct buffers are expensive to allocate and slow to free (they wait for GC). A pool makes the steady state
 * allocate nothing. Each class keeps a bounded number of free buffers ({@link #retainedPerClass}); releases beyond
 * that are dropped for the GC, so an idle loop holds bounded memory.
 *
 * <p>Who releases: the connection that acquired a buffer releases it when the data in it has been consumed
 * (decoded or written), and releases everything it holds when it closes. With {@code -D}{@value #LEAK_CHECK_PROP_NAME}
 * {@code =true} (the test suite sets it) closing the pool with buffers still out is an error.
 */
final class BufferPool {
    /** System property that makes {@link #close()} fail when buffers were not returned. */
    static final String LEAK_CHECK_PROP_NAME = "netproto.buffers.leakCheck";
    /** Whether leak checking is on. */
    static final boolean LEAK_CHECK = Boolean.getBoolean(LEAK_CHECK_PROP_NAME);
    /** Smallest class: 4 KiB. */
    static final int MIN_SHIFT = 12;
    /** Largest class: 32 MiB, room for a maximum frame and its header. */
    static final int MAX_SHIFT = 25;
    /** Size of an outbound segment into which small frames are packed. */
    static final int SEGMENT_SIZE = 64 * 1024;

    private final PooledBuffer[][] free = new PooledBuffer[MAX_SHIFT - MIN_SHIFT + 1][];
    private final int[] freeCount = new int[MAX_SHIFT - MIN_SHIFT + 1];
    private final LoopCounters counters;
    private int inUse;

    BufferPool(LoopCounters counters) {
        this.counters = counters;
        for (int i = 0; i < free.length; i++) {
            free[i] = new PooledBuffer[retainedPerClass(i)];
        }
    }

    /** Large classes keep fewer free buffers: at most about 16 MiB retained per class above 1 MiB. */
    static int retainedPerClass(int sizeClass) {
        int shift = sizeClass + MIN_SHIFT;
        if (shift <= 16) {
            return 64;
        }
        return Math.max(1, 1 << Math.max(0, 24 - shift));
    }

    /**
     * Returns a cleared buffer of at least {@code minCapacity} bytes.
     *
     * @param minCapacity bytes needed, at most 32 MiB
     * @return a buffer with position 0 and limit at its capacity
     */
    PooledBuffer acquire(int minCapacity) {
        int sizeClass = sizeClass(minCapacity);
        PooledBuffer b;
        int n = freeCount[sizeClass];
        if (n > 0) {
            b = free[sizeClass][n - 1];
            free[sizeClass][n - 1] = null;
            freeCount[sizeClass] = n - 1;
            b.buf.clear();
        } else {
            b = new PooledBuffer(1 << (sizeClass + MIN_SHIFT), sizeClass);
        }
        b.inUse = true;
        inUse++;
        counters.set(LoopCounters.BUFFERS_IN_USE, inUse);
        return b;
    }

    /**
     * Takes a buffer back. Releasing a buffer twice is a bug and fails.
     *
     * @param b a buffer acquired from this pool
     */
    void release(PooledBuffer b) {
        if (!b.inUse) {
            throw new IllegalStateException("buffer released twice (capacity " + b.buf.capacity() + ")");
        }
        b.inUse = false;
        inUse--;
        counters.set(LoopCounters.BUFFERS_IN_USE, inUse);
        int n = freeCount[b.sizeClass];
        if (n < free[b.sizeClass].length) {
            free[b.sizeClass][n] = b;
            freeCount[b.sizeClass] = n + 1;
        }
    }

    /** Buffers handed out and not yet released. */
    int inUse() {
        return inUse;
    }

    /**
     * Drops the free buffers. With leak checking on, fails if any buffer is still out.
     *
     * @throws IllegalStateException in leak-check mode, naming how many buffers were not returned
     */
    void close() {
        for (int i = 0; i < free.length; i++) {
            java.util.Arrays.fill(free[i], null);
            freeCount[i] = 0;
        }
        if (LEAK_CHECK && inUse != 0) {
            throw new IllegalStateException("buffer leak: " + inUse + " pooled buffer(s) not returned");
        }
    }

    static int sizeClass(int minCapacity) {
        if (minCapacity <= 1 << MIN_SHIFT) {
            return 0;
        }
        int shift = 32 - Integer.numberOfLeadingZeros(minCapacity - 1);
        if (shift > MAX_SHIFT) {
            throw new IllegalArgumentException("buffer of " + minCapacity + " bytes exceeds the largest class, "
                + (1 << MAX_SHIFT));
        }
        return shift - MIN_SHIFT;
    }
}
