package dev.netproto.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;

/**
 * A connection's queue of encoded frames, as pooled segments that leave in one gathering write.
 *
 * <p>Small frames are packed into 64 KiB segments; a frame larger than that gets a segment of its own, so every
 * frame is contiguous. A frame may also arrive in a buffer of its own, {@linkplain #adopt adopted} as a segment
 * (a response written over the request it answers, in the request's spill buffer: no copy). Each segment's position
 * is what the socket has taken and its limit is the end of what was queued, so the array can be handed to
 * {@link GatheringByteChannel#write(ByteBuffer[], int, int)} as it is.
 * Segments are released to the pool as soon as the socket has taken them, so an idle connection holds none.
 *
 * <p>The two arrays are allocated by the first {@link #reserve(int)} and dropped again by {@link #trim()}, which the
 * connection calls on a tick when it has received nothing for a whole tick: an idle connection holds no arrays
 * (64 bytes less per connection), while a busy one keeps them and allocates nothing per frame. (A flag set per
 * frame would tell "idle" more exactly, but it would make this object 8 bytes larger.)
 *
 * <p>Loop thread only.
 */
final class Outbound {
    private final BufferPool pool;
    private static final PooledBuffer[] NO_SEGMENTS = {};
    private static final ByteBuffer[] NO_BUFFERS = {};
    private static final int INITIAL_SEGMENTS = 4;

    private PooledBuffer[] segments = NO_SEGMENTS;
    private ByteBuffer[] buffers = NO_BUFFERS;
    private int count;
    private long queuedBytes;
    private int reservedOffset;

    Outbound(BufferPool pool) {
        this.pool = pool;
    }

    /**
     * Reserves room for one frame at the end of the queue; the caller writes it with absolute puts at
     * {@link #reservedOffset()} before anything else touches the queue. A new segment is never refused by the
     * memory budget.
     *
     * @param frameLength the frame's full length, header included
     * @return the segment holding the reserved bytes
     */
    ByteBuffer reserve(int frameLength) {
        return reserve(frameLength, false);
    }

    /**
     * As {@link #reserve(int)}, but a new segment is asked of the memory budget, which may refuse it.
     *
     * @param frameLength the frame's full length, header included
     * @return the segment holding the reserved bytes, or null, with nothing reserved, when the budget refused one
     */
    ByteBuffer tryReserve(int frameLength) {
        return reserve(frameLength, true);
    }

    private ByteBuffer reserve(int frameLength, boolean refusable) {
        if (count > 0) {
            ByteBuffer tail = buffers[count - 1];
            int end = tail.limit();
            if (tail.capacity() - end >= frameLength) {
                queuedBytes += frameLength;
                tail.limit(end + frameLength);
                reservedOffset = end;
                return tail;
            }
        }
        int size = Math.max(frameLength, BufferPool.SEGMENT_SIZE);
        PooledBuffer segment = refusable ? pool.tryAcquire(size) : pool.acquire(size);
        if (segment == null) {
            return null;
        }
        segment.buf.limit(frameLength);
        append(segment, frameLength);
        reservedOffset = 0;
        return segment.buf;
    }

    /**
     * Queues a frame that lies in a pooled buffer of its own, which the queue then owns and releases once written;
     * the caller writes the frame's header at {@link #reservedOffset()}. Small frames reserved after it may be packed
     * into the rest of that buffer.
     *
     * @param segment     a buffer from this queue's pool, no longer used by anyone else
     * @param offset      where the frame starts in it
     * @param frameLength the frame's full length, header included
     * @return the segment's buffer
     */
    ByteBuffer adopt(PooledBuffer segment, int offset, int frameLength) {
        segment.buf.limit(offset + frameLength).position(offset);
        append(segment, frameLength);
        reservedOffset = offset;
        return segment.buf;
    }

    private void append(PooledBuffer segment, int frameLength) {
        queuedBytes += frameLength;
        if (count == segments.length) {
            int length = Math.max(INITIAL_SEGMENTS, count * 2);
            segments = Arrays.copyOf(segments, length);
            buffers = Arrays.copyOf(buffers, length);
        }
        segments[count] = segment;
        buffers[count] = segment.buf;
        count++;
    }

    /** The segment holding the bytes reserved by the last {@link #reserve(int)}. */
    PooledBuffer reservedSegment() {
        return segments[count - 1];
    }

    /**
     * Gives back the last {@code unused} bytes of the last reservation (it was sized for the worst case, such as
     * a compression bound).
     *
     * @param unused bytes to give back, at most the last reservation's length
     */
    void trimLast(int unused) {
        ByteBuffer tail = buffers[count - 1];
        tail.limit(tail.limit() - unused);
        queuedBytes -= unused;
    }

    /** Where the bytes reserved by the last {@link #reserve(int)} start. */
    int reservedOffset() {
        return reservedOffset;
    }

    boolean isEmpty() {
        return count == 0;
    }

    long queuedBytes() {
        return queuedBytes;
    }

    /** Writes only the first {@code max} bytes (fewer than are queued), cutting the buffer they end in. Cold path. */
    private long writePrefix(GatheringByteChannel channel, long max) throws IOException {
        int n = 0;
        long covered = 0;
        while (covered + buffers[n].remaining() < max) {
            covered += buffers[n].remaining();
            n++;
        }
        ByteBuffer last = buffers[n];
        int limit = last.limit();
        last.limit(last.position() + (int) (max - covered));
        try {
            return channel.write(buffers, 0, n + 1);
        } finally {
            last.limit(limit);
        }
    }

    /** Bytes of pooled memory the queue holds: its segments' capacity. Cold path. */
    long heldBytes() {
        long held = 0;
        for (int i = 0; i < count; i++) {
            held += segments[i].buf.capacity();
        }
        return held;
    }

    /**
     * Writes as much as the channel takes of the first {@code max} bytes of the queue, and releases the segments it
     * took whole.
     *
     * @param channel the socket, or the layer that seals or encrypts for it
     * @param max     the most bytes to write: {@link Long#MAX_VALUE} for all, or the bytes queued before a session
     *                started protecting the stream, which must leave ahead of it
     * @return the bytes written
     * @throws IOException if the write fails
     */
    long writeTo(GatheringByteChannel channel, long max) throws IOException {
        if (count == 0) {
            return 0;
        }
        long written;
        if (max >= queuedBytes) {
            written = count == 1 ? channel.write(buffers[0]) : channel.write(buffers, 0, count);
        } else {
            written = writePrefix(channel, max);
        }
        queuedBytes -= written;
        int done = 0;
        while (done < count && !buffers[done].hasRemaining()) {
            pool.release(segments[done]);
            done++;
        }
        if (done > 0) {
            System.arraycopy(segments, done, segments, 0, count - done);
            System.arraycopy(buffers, done, buffers, 0, count - done);
            Arrays.fill(segments, count - done, count, null);
            Arrays.fill(buffers, count - done, count, null);
            count -= done;
        }
        return written;
    }

    /** Drops the arrays if nothing is queued; the next {@link #reserve(int)} allocates them again. Cold path. */
    void trim() {
        if (count == 0) {
            segments = NO_SEGMENTS;
            buffers = NO_BUFFERS;
        }
    }

    /** Drops everything queued and returns the segments to the pool. */
    void releaseAll() {
        for (int i = 0; i < count; i++) {
            pool.release(segments[i]);
            segments[i] = null;
            buffers[i] = null;
        }
        count = 0;
        queuedBytes = 0;
    }
}
