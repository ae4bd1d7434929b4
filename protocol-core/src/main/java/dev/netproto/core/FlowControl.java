package dev.netproto.core;

/**
 * A connection's output backpressure: the write-buffer watermarks and the write-stall clock. When queued output
 * passes the high watermark the connection stops taking new sends (and a server stops reading requests, since a
 * peer that does not read its responses would only make it queue more); under the low watermark it resumes. The
 * connection acts on the transitions this class reports.
 *
 * <p><b>Threading.</b> Written by the owning event loop only; {@link #isWritable()} may be read by any thread.
 */
final class FlowControl {
    private final long lowWatermark;
    private final long highWatermark;
    private final long writeTimeoutNs;
    private volatile boolean writable = true;
    private boolean overHigh;
    private boolean writeStalled;
    private long stallSinceNs;

    FlowControl(long lowWatermark, long highWatermark, long writeTimeoutNs) {
        this.lowWatermark = lowWatermark;
        this.highWatermark = highWatermark;
        this.writeTimeoutNs = writeTimeoutNs;
    }

    /** Whether new sends are accepted. Any thread. */
    boolean isWritable() {
        return writable;
    }

    /** After a frame was queued: returns true when the queue just passed the high watermark. */
    boolean queued(long queuedBytes) {
        if (!overHigh && queuedBytes > highWatermark) {
            overHigh = true;
            writable = false;
            return true;
        }
        return false;
    }

    /** After a write: returns true when the queue just fell under the low watermark after passing the high one. */
    boolean drained(long queuedBytes) {
        if (overHigh && queuedBytes < lowWatermark) {
            overHigh = false;
            writable = true;
            return true;
        }
        return false;
    }

    /** The socket took everything: no stall. */
    void flowing() {
        writeStalled = false;
    }

    /** The socket is full; restarts the stall clock if the write made progress or no stall was running. */
    void blocked(boolean progress, long now) {
        if (progress || !writeStalled) {
            writeStalled = true;
            stallSinceNs = now;
        }
    }

    /** Whether output made no progress for the write timeout. */
    boolean stallExpired(long now) {
        return writeStalled && Liveness.expired(now - stallSinceNs, writeTimeoutNs);
    }

    /** The connection closed: senders waiting for room must not wait on it. */
    void closed() {
        writable = true;
    }
}
