package dev.netproto.core;

/**
 * The output backpressure rules of one server's or client's connections: the write-buffer watermarks and the
 * write-stall timeout. When queued output passes the high watermark a connection stops taking new sends (and a
 * server stops reading requests, since a peer that does not read its responses would only make it queue more);
 * once it falls under the low watermark the connection resumes; output that makes no progress for the write
 * timeout ends the connection.
 *
 * <p>Like {@link Liveness}, this class decides and the connection acts and keeps the state (whether it is over
 * the high watermark, whether a write stall is being timed and since when): an idle connection pays a few fields
 * for its flow control, not an object. Immutable and shared by every connection of a server or client.
 */
final class FlowControl {
    private final long lowWatermark;
    private final long highWatermark;
    private final long writeTimeoutNs;

    /**
     * @param lowWatermark   resume under this many queued bytes
     * @param highWatermark  pause above this many queued bytes
     * @param writeTimeoutNs close after queued output made no progress this long; 0 for no limit
     */
    FlowControl(long lowWatermark, long highWatermark, long writeTimeoutNs) {
        this.lowWatermark = lowWatermark;
        this.highWatermark = highWatermark;
        this.writeTimeoutNs = writeTimeoutNs;
    }

    /**
     * After a frame was queued: whether the queue has just passed the high watermark.
     *
     * @param overHigh    whether the connection was over it already (the transition is reported once)
     * @param queuedBytes what is queued now
     */
    boolean passesHigh(boolean overHigh, long queuedBytes) {
        return !overHigh && queuedBytes > highWatermark;
    }

    /**
     * After a write: whether the queue has just fallen under the low watermark, having passed the high one.
     *
     * @param overHigh    whether the connection was over the high watermark
     * @param queuedBytes what is still queued
     */
    boolean fallsUnderLow(boolean overHigh, long queuedBytes) {
        return overHigh && queuedBytes < lowWatermark;
    }

    /**
     * The socket is full: whether the stall clock must (re)start now, because the write made progress or no
     * stall was being timed.
     */
    static boolean restartsStall(boolean progress, boolean stalled) {
        return progress || !stalled;
    }

    /** Whether a stall timed since {@code stallSinceNs} has made no progress for the write timeout. */
    boolean stallExpired(boolean stalled, long now, long stallSinceNs) {
        return stalled && Liveness.expired(now - stallSinceNs, writeTimeoutNs);
    }
}
