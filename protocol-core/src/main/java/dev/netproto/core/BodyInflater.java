package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.COMPRESSED_LENGTH_PREFIX;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;

/**
 * Decompresses compressed bodies (docs/PROTOCOL.md section 5.1) into pooled buffers, after checking the stated
 * length against the maximum frame length and the ratio cap, so that a bomb costs no more than a maximum frame.
 *
 * <p><b>Threading.</b> The owning event loop's thread only.
 */
final class BodyInflater {
    /** Told why a body was refused; the connection closes with DECOMPRESSION_FAILED. */
    interface Refusal {
        void refuse(ErrorCode code, String reason);
    }

    private final BufferPool pool;
    private final int maxFrameLength;
    private final int maxRatio;
    private final Refusal refusal;
    private CompressionProvider codec;
    /** Whether the last {@link #inflate} returned null because the memory budget refused the output buffer. */
    private boolean refusedForMemory;

    BodyInflater(BufferPool pool, int maxFrameLength, int maxRatio, Refusal refusal) {
        this.pool = pool;
        this.maxFrameLength = maxFrameLength;
        this.maxRatio = maxRatio;
        this.refusal = refusal;
    }

    /** The algorithm negotiated in HELLO. */
    void codec(CompressionProvider codec) {
        this.codec = codec;
    }

    /**
     * Decompresses a body into a pooled buffer of exactly its stated length (flipped), which the caller releases;
     * returns null after refusing it when any check or the decompression fails, and null without refusing it when
     * the memory budget has no room for the output ({@link #refusedForMemory()}: the caller answers for it).
     */
    PooledBuffer inflate(PooledBuffer src, int offset, int length) {
        refusedForMemory = false;
        if (length < COMPRESSED_LENGTH_PREFIX) {
            refusal.refuse(ErrorCode.DECOMPRESSION_FAILED, "compressed body of " + length
                + " bytes has no room for its length prefix");
            return null;
        }
        int claimed = src.buf.getInt(offset);
        int compressedLength = length - COMPRESSED_LENGTH_PREFIX;
        if (claimed < 0 || claimed > maxFrameLength) {
            refusal.refuse(ErrorCode.DECOMPRESSION_FAILED, "compressed body claims "
                + Integer.toUnsignedString(claimed) + " bytes, more than the maximum frame length of "
                + maxFrameLength);
            return null;
        }
        if (!CompressionLimits.withinRatio(compressedLength, claimed, maxRatio)) {
            refusal.refuse(ErrorCode.DECOMPRESSION_FAILED, "compressed body of " + compressedLength
                + " bytes claims " + claimed + " bytes, more than " + maxRatio + " times as many (the ratio cap)");
            return null;
        }
        PooledBuffer out = pool.tryAcquire(Math.max(claimed, 1));
        if (out == null) {
            refusedForMemory = true;
            return null;
        }
        try {
            ByteBuffer dst = out.buf;
            dst.limit(claimed);
            codec.decompress(src.region(offset + COMPRESSED_LENGTH_PREFIX, compressedLength), dst, claimed);
            dst.flip();
            return out;
        } catch (RuntimeException e) {
            pool.release(out);
            refusal.refuse(ErrorCode.DECOMPRESSION_FAILED, codec.name() + " body refused: " + e.getMessage());
            return null;
        }
    }

    /** Whether the last {@link #inflate} returned null because the memory budget refused its output buffer. */
    boolean refusedForMemory() {
        return refusedForMemory;
    }

    void release(PooledBuffer body) {
        pool.release(body);
    }
}
