package dev.netproto.core;

import java.nio.ByteBuffer;

/**
 * A direct buffer from a {@link BufferPool} (or a heap one, for the few users that need an array underneath: the
 * TLS layer's encrypted records, see {@link BufferPool#acquireHeap}), with a read-only view over the same memory
 * made once, so that handing a region to a handler allocates nothing.
 *
 * <p>Owned by one event loop; whoever acquired it releases it to the same pool exactly once.
 */
final class PooledBuffer {
    /** The buffer; its position and limit belong to the current owner. */
    final ByteBuffer buf;
    /** Read-only view of {@link #buf}; re-pointed at each region handed out. */
    final ByteBuffer view;
    /** Writable view of {@link #buf} for codecs that consume or fill a region by position (compression). */
    final ByteBuffer region;
    /** Index of the size class, or -1 for a buffer that is not pooled. */
    final int sizeClass;
    /** Whether {@link #buf} is a heap buffer, which goes back to the pool's heap free lists. */
    final boolean heap;
    /** Whether the buffer is out of the pool; guards against double release. */
    boolean inUse;

    PooledBuffer(int capacity, int sizeClass) {
        this(capacity, sizeClass, false);
    }

    PooledBuffer(int capacity, int sizeClass, boolean heap) {
        this.buf = heap ? ByteBuffer.allocate(capacity) : ByteBuffer.allocateDirect(capacity);
        this.view = buf.asReadOnlyBuffer();
        this.region = buf.duplicate();
        this.sizeClass = sizeClass;
        this.heap = heap;
    }

    /**
     * Points the read-only view at a region and returns it.
     *
     * @param offset the region's first byte
     * @param length the region's length
     * @return the view, positioned at the region
     */
    ByteBuffer view(int offset, int length) {
        view.limit(offset + length).position(offset);
        return view;
    }

    /**
     * Points the writable view at a region and returns it; for the loop's own codecs, never for handlers.
     *
     * @param offset the region's first byte
     * @param length the region's length
     * @return the writable view, positioned at the region
     */
    ByteBuffer region(int offset, int length) {
        region.limit(offset + length).position(offset);
        return region;
    }
}
