package dev.netproto.core;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The direct memory one server may hold, shared by the {@link BufferPool}s of all its event loops: every byte a
 * pool allocates counts until the pool drops the buffer for the GC, whether the buffer is in use or on a free list.
 * Without it, peers that send large requests and never read their answers pin direct memory until the JVM's limit
 * is reached, and the {@link OutOfMemoryError} then hits whichever connection allocates next (issue #13, item 2).
 *
 * <p>Three levels, from the limit down:
 * <ul>
 *   <li>the {@link #limitBytes() limit}: a buffer of up to {@value #SMALL_BYTES} bytes (a spill buffer for the rest
 *   of one read, an outbound segment of small frames, an ERROR frame) may be reserved up to it;</li>
 *   <li>the {@link #highWaterBytes() high-water mark}, seven eighths of the limit: a larger buffer (a big frame,
 *   a decompressed body) is refused above it, so that the last eighth stays for the small buffers that keep the
 *   connections which hold little working; and above it the loops stop reading from the connections that hold
 *   the most ({@link EventLoop});</li>
 *   <li>the {@link #lowWaterBytes() low-water mark}, three quarters of the limit: under it, paused connections
 *   read again.</li>
 * </ul>
 *
 * <p>Checked only when a pool allocates a new buffer or drops one (not when it reuses a free buffer), with one
 * compare-and-set, so the hot path does not see it. The bytes of a dropped buffer count as free at once, although
 * the JVM frees them only when the GC collects the buffer: the default limit leaves a quarter of the JVM's direct
 * memory for that lag (and for the JDK's own temporary buffers); when the JVM needs that memory, its allocation
 * runs the GC first.
 *
 * <p><b>Threading.</b> Thread-safe and lock-free: the counters are atomics, written by every loop of the server.
 */
final class MemoryBudget {
    /** Buffers up to this size may use the headroom between the high-water mark and the limit. */
    static final int SMALL_BYTES = BufferPool.SEGMENT_SIZE;
    /** The smallest budget a server accepts; below it a few connections would already be paused. */
    static final long MIN_BYTES = 1024 * 1024;
    /** Room left in the largest buffer for what a security mechanism adds to a sealed frame (a tag, padding). */
    private static final int SEALING_SLACK = 240;

    private final long limitBytes;
    private final long highWaterBytes;
    private final long lowWaterBytes;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    /**
     * @param limitBytes the most direct memory the pools may hold; {@link Long#MAX_VALUE} for no limit
     */
    MemoryBudget(long limitBytes) {
        if (limitBytes < MIN_BYTES) {
            throw new IllegalArgumentException("memory budget of " + limitBytes + " bytes is under the minimum of "
                + MIN_BYTES);
        }
        this.limitBytes = limitBytes;
        this.highWaterBytes = limitBytes - limitBytes / 8;
        this.lowWaterBytes = limitBytes - limitBytes / 4;
    }

    /** A budget that counts but never refuses: clients, and pools made by tests. */
    static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /**
     * The budget of a server configured with {@code bytes}: that many, or for 0 the default, three quarters of the
     * JVM's direct-memory limit ({@link #defaultLimitBytes()}).
     */
    static MemoryBudget forServer(long bytes) {
        return new MemoryBudget(bytes == 0 ? defaultLimitBytes() : bytes);
    }

    /**
     * Three quarters of the JVM's direct-memory limit: {@code -XX:MaxDirectMemorySize} when set, else the maximum
     * heap size, which is what the JVM then allows ({@code jdk.internal.misc.VM.maxDirectMemory()}, which is not
     * exported). Read once per JVM, from the HotSpot diagnostic bean; on a JVM without that bean, the heap size.
     */
    static long defaultLimitBytes() {
        return Math.max(MIN_BYTES, DefaultLimit.MAX_DIRECT / 4 * 3);
    }

    /**
     * Reserves room for a new buffer: up to the limit for a small one, up to the high-water mark for a larger one.
     *
     * @param bytes the buffer's capacity
     * @return whether it was reserved; if not, nothing changed
     */
    boolean tryReserve(long bytes) {
        long ceiling = bytes <= SMALL_BYTES ? limitBytes : highWaterBytes;
        long r;
        long next;
        do {
            r = reserved.get();
            next = r + bytes;
            if (next > ceiling || next < 0) {
                return false;
            }
        } while (!reserved.compareAndSet(r, next));
        raisePeak(next);
        return true;
    }

    /**
     * Reserves room for a buffer that cannot be refused (it holds bytes already read, or a frame already accepted
     * for sending); may pass the limit, which makes the loops pause every connection that holds memory.
     */
    void forceReserve(long bytes) {
        raisePeak(reserved.addAndGet(bytes));
    }

    /** Gives back the room of a buffer dropped for the GC. */
    void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    private void raisePeak(long value) {
        long p = peak.get();
        while (value > p && !peak.compareAndSet(p, value)) {
            p = peak.get();
        }
    }

    /** Bytes reserved now, by every pool sharing this budget. */
    long reserved() {
        return reserved.get();
    }

    /** The most bytes ever reserved at once. */
    long peak() {
        return peak.get();
    }

    long limitBytes() {
        return limitBytes;
    }

    long highWaterBytes() {
        return highWaterBytes;
    }

    long lowWaterBytes() {
        return lowWaterBytes;
    }

    /** Whether this budget can refuse anything. */
    boolean isLimited() {
        return limitBytes != Long.MAX_VALUE;
    }

    /**
     * The largest frame payload whose buffer can ever be granted: the payload, its header and a sealing overhead
     * must fit the largest size class under the high-water mark. A server announces no more than this in HELLO.
     */
    int maxFramePayload() {
        long largest = Long.highestOneBit(highWaterBytes);
        long cap = Math.min(largest, 1L << BufferPool.MAX_SHIFT) - FrameDescriptor.HEADER_LENGTH - SEALING_SLACK;
        return (int) Math.min(Integer.MAX_VALUE, cap);
    }

    @Override
    public String toString() {
        return isLimited() ? "memory budget of " + limitBytes + " bytes (" + reserved() + " reserved)"
            : "unlimited memory budget (" + reserved() + " reserved)";
    }

    /** Reads the JVM's direct-memory limit on first use. */
    private static final class DefaultLimit {
        static final long MAX_DIRECT = maxDirectMemory();

        private static long maxDirectMemory() {
            long heap = Runtime.getRuntime().maxMemory();
            try {
                HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                long configured = bean == null ? 0 : Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
                // 0 (the default) means "as large as the heap", which is what the JVM then allows.
                return configured > 0 ? configured : heap;
            } catch (RuntimeException e) {
                // Not a HotSpot JVM (no such bean or option): the JVM's own default is the heap size.
                return heap;
            }
        }
    }
}
