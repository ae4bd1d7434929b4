package dev.netproto.core;

/**
 * Direct buffers in power-of-two size classes from 4 KiB to 32 MiB, owned by one event loop and used only on its
 * thread, so it needs no synchronisation; heap buffers of the same classes, pooled apart, for the TLS layer
 * ({@link #acquireHeap}).
 *
 * <p>Why pool: every frame that crosses a read boundary and every queued outbound segment needs a buffer, and
 * direct buffers are expensive to allocate and slow to free (they wait for GC). A pool makes the steady state
 * allocate nothing. Each class keeps a bounded number of free buffers ({@link #retainedPerClass}); releases beyond
 * that are dropped for the GC, so an idle loop holds bounded memory.
 *
 * <p>Who releases: the connection that acquired a buffer releases it when the data in it has been consumed
 * (decoded or written), and releases everything it holds when it closes. With {@code -D}{@value #LEAK_CHECK_PROP_NAME}
 * {@code =true} (the test suite sets it) closing the pool with buffers still out is an error.
 *
 * <p>Memory: every buffer the pool allocates is reserved in its {@link MemoryBudget} (shared by the pools of one
 * server) until the pool drops it for the GC, whether it is in use or on a free list; reusing a free buffer costs
 * the budget nothing. {@link #tryAcquire} is refused when the budget is short, after the pool dropped its large free
 * buffers to make room; {@link #acquire} is for buffers that cannot be refused and is never refused.
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
    /** Free heap buffers ({@link #acquireHeap}), by size class like {@link #free}. */
    private final PooledBuffer[][] heapFree = new PooledBuffer[MAX_SHIFT - MIN_SHIFT + 1][];
    private final int[] heapFreeCount = new int[MAX_SHIFT - MIN_SHIFT + 1];
    private final LoopCounters counters;
    private final MemoryBudget budget;
    private int inUse;

    /** A pool with a budget that never refuses (clients' loops, tests). */
    BufferPool(LoopCounters counters) {
        this(counters, MemoryBudget.unlimited());
    }

    BufferPool(LoopCounters counters, MemoryBudget budget) {
        this.counters = counters;
        this.budget = budget;
        for (int i = 0; i < free.length; i++) {
            free[i] = new PooledBuffer[retainedPerClass(i)];
            heapFree[i] = new PooledBuffer[retainedPerClass(i)];
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
     * Returns a cleared buffer of at least {@code minCapacity} bytes, reserving a new one in the budget even past
     * its limit: for buffers that cannot be refused, because they hold bytes already read or a frame already
     * accepted for sending, and for the client side, whose budget has no limit.
     *
     * @param minCapacity bytes needed, at most 32 MiB
     * @return a buffer with position 0 and limit at its capacity
     */
    PooledBuffer acquire(int minCapacity) {
        int sizeClass = sizeClass(minCapacity);
        PooledBuffer b = takeFree(free, freeCount, sizeClass);
        if (b == null) {
            int capacity = 1 << (sizeClass + MIN_SHIFT);
            budget.forceReserve(capacity);
            b = allocate(capacity, sizeClass, false);
        }
        return handOut(b);
    }

    /**
     * Like {@link #acquire}, but a heap buffer, pooled apart from the direct ones and reserved in the same budget.
     * For the TLS layer's encrypted input and output: the JDK's AES-GCM works on a record in place, and on direct
     * buffers it copies through two 512-byte arrays it allocates per call (1 KiB of garbage per record of 512 bytes
     * or more, and slower); on a heap buffer it runs on the array directly and allocates none of that.
     *
     * @param minCapacity bytes needed, at most 32 MiB
     * @return a heap buffer with position 0 and limit at its capacity
     */
    PooledBuffer acquireHeap(int minCapacity) {
        int sizeClass = sizeClass(minCapacity);
        PooledBuffer b = takeFree(heapFree, heapFreeCount, sizeClass);
        if (b == null) {
            int capacity = 1 << (sizeClass + MIN_SHIFT);
            budget.forceReserve(capacity);
            b = allocate(capacity, sizeClass, true);
        }
        return handOut(b);
    }

    /**
     * Returns a cleared buffer of at least {@code minCapacity} bytes, or null when the memory budget has no room for
     * a new one (after this pool dropped its large free buffers to make room) or the JVM has no direct memory left.
     * Either way the refusal is counted, and nothing is thrown: the caller pauses the connection or refuses the
     * request. Reusing a free buffer is never refused.
     *
     * @param minCapacity bytes needed, at most 32 MiB
     * @return a buffer with position 0 and limit at its capacity, or null
     */
    PooledBuffer tryAcquire(int minCapacity) {
        int sizeClass = sizeClass(minCapacity);
        PooledBuffer b = takeFree(free, freeCount, sizeClass);
        if (b == null) {
            int capacity = 1 << (sizeClass + MIN_SHIFT);
            if (!budget.tryReserve(capacity) && (dropLargeFree() == 0 || !budget.tryReserve(capacity))) {
                counters.increment(LoopCounters.MEMORY_REFUSALS);
                return null;
            }
            try {
                b = new PooledBuffer(capacity, sizeClass);
            } catch (OutOfMemoryError e) {
                // The JVM's limit is lower than the budget assumed (or others use direct memory): refuse, as the
                // budget would have, rather than fail whichever connection happened to allocate.
                budget.release(capacity);
                counters.increment(LoopCounters.MEMORY_REFUSALS);
                return null;
            }
        }
        return handOut(b);
    }

    private static PooledBuffer takeFree(PooledBuffer[][] lists, int[] counts, int sizeClass) {
        int n = counts[sizeClass];
        if (n == 0) {
            return null;
        }
        PooledBuffer b = lists[sizeClass][n - 1];
        lists[sizeClass][n - 1] = null;
        counts[sizeClass] = n - 1;
        b.buf.clear();
        return b;
    }

    private PooledBuffer allocate(int capacity, int sizeClass, boolean heap) {
        try {
            return new PooledBuffer(capacity, sizeClass, heap);
        } catch (OutOfMemoryError e) {
            budget.release(capacity);
            throw e;
        }
    }

    private PooledBuffer handOut(PooledBuffer b) {
        b.inUse = true;
        inUse++;
        counters.set(LoopCounters.BUFFERS_IN_USE, inUse);
        return b;
    }

    /**
     * Drops the free buffers above {@link MemoryBudget#SMALL_BYTES}, giving their room back to the budget: under
     * memory pressure, idle large buffers of one size must not keep a buffer of another size from being granted.
     * Small free buffers stay, for the connections that hold little. Cold path.
     *
     * @return the bytes given back
     */
    long dropLargeFree() {
        long dropped = dropLargeFree(free, freeCount) + dropLargeFree(heapFree, heapFreeCount);
        budget.release(dropped);
        return dropped;
    }

    private static long dropLargeFree(PooledBuffer[][] lists, int[] counts) {
        long dropped = 0;
        for (int i = sizeClass(MemoryBudget.SMALL_BYTES) + 1; i < lists.length; i++) {
            for (int j = 0; j < counts[i]; j++) {
                dropped += lists[i][j].buf.capacity();
                lists[i][j] = null;
            }
            counts[i] = 0;
        }
        return dropped;
    }

    /** The budget this pool reserves its buffers in. */
    MemoryBudget budget() {
        return budget;
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
        PooledBuffer[][] lists = b.heap ? heapFree : free;
        int[] counts = b.heap ? heapFreeCount : freeCount;
        int n = counts[b.sizeClass];
        if (n < lists[b.sizeClass].length) {
            lists[b.sizeClass][n] = b;
            counts[b.sizeClass] = n + 1;
        } else {
            budget.release(b.buf.capacity());
        }
    }

    /** Buffers handed out and not yet released. */
    int inUse() {
        return inUse;
    }

    /**
     * Drops the free buffers, giving their room back to the budget. With leak checking on, fails if any buffer is
     * still out.
     *
     * @throws IllegalStateException in leak-check mode, naming how many buffers were not returned
     */
    void close() {
        long dropped = 0;
        for (int i = 0; i < free.length; i++) {
            for (int j = 0; j < freeCount[i]; j++) {
                dropped += free[i][j].buf.capacity();
            }
            for (int j = 0; j < heapFreeCount[i]; j++) {
                dropped += heapFree[i][j].buf.capacity();
            }
            java.util.Arrays.fill(free[i], null);
            java.util.Arrays.fill(heapFree[i], null);
            freeCount[i] = 0;
            heapFreeCount[i] = 0;
        }
        budget.release(dropped);
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
