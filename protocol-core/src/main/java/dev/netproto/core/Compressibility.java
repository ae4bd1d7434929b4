package dev.netproto.core;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A cheap guess, made before compressing a frame, of whether compressing it is worth the time: an order-0 entropy
 * estimate (Shannon, in bits per byte) over a fixed-size sample of the payload. Random bytes and the output of
 * compressors or ciphers score close to 8 bits per byte and do not shrink; text, JSON and most structured binary
 * data score well under. docs/COMPRESSION.md has the measurements behind the sample size and the threshold, and
 * the comparison with a trial compression of a prefix, which costs more and judges only the prefix.
 *
 * <p>The sample is {@value #SAMPLE_RUNS} runs of {@value #RUN_LENGTH} bytes ({@value #SAMPLE_LENGTH} bytes), spread
 * evenly from the first byte to the last, so that a payload whose start differs from its body (a text header before
 * an image) is judged on all of it. The cost does not depend on the payload's size.
 *
 * <p>What it cannot see: repetition of high-entropy blocks (the same random 100 bytes ten times compresses well and
 * scores like random data), and, the other way, data whose bytes are skewed but which LZ4 cannot shrink because LZ4
 * has no entropy coder (Base64 scores about 5.8 and shrinks by a quarter with zstd or deflate, not at all with LZ4;
 * compressing it with LZ4 costs one fast, failed attempt).
 *
 * <p><b>Threading and allocation.</b> An instance keeps the histogram it counts into, so that a check allocates
 * nothing; it is not thread-safe: each event loop owns one. (A static method would need an allocation per call or a
 * {@link ThreadLocal} lookup per frame.)
 */
public final class Compressibility {
    /** Payloads shorter than this go uncompressed without a check: the default threshold of the core, 512 bytes. */
    public static final int MIN_LENGTH_DEFAULT = 512;
    /**
     * Above this estimate, in bits per byte, a payload is judged incompressible. On the {@value #SAMPLE_LENGTH}-byte
     * sample (whose estimate is biased low, as any estimate from a sample that small), random and compressed data
     * scored 6.99 to 7.35, and the compressible kinds at most 6.53 (half JSON, half random bytes); text and JSON
     * score under 5, Base64 under 6.
     */
    public static final double MAX_BITS_PER_BYTE_DEFAULT = 6.75;
    /** Number of runs sampled. */
    public static final int SAMPLE_RUNS = 32;
    /** Length of each sampled run, in bytes: one {@code long} read. */
    public static final int RUN_LENGTH = Long.BYTES;
    /** Bytes sampled from a payload of at least that many bytes. */
    public static final int SAMPLE_LENGTH = SAMPLE_RUNS * RUN_LENGTH;

    /** Fixed-point scale of {@link #C_LOG2_C}: integer sums are exact to well under 0.001 bit per byte. */
    private static final int SCALE = 1 << 16;
    /** {@code C_LOG2_C[c] = round(c * log2(c) * SCALE)}, for counts up to the sample length. */
    private static final int[] C_LOG2_C = new int[SAMPLE_LENGTH + 1];

    static {
        for (int c = 1; c <= SAMPLE_LENGTH; c++) {
            C_LOG2_C[c] = (int) Math.round(c * log2(c) * SCALE);
        }
    }

    /**
     * Occurrences of each byte value in the sample, in two halves (even and odd bytes of each run) so that a value
     * repeated in a row does not make each increment wait for the previous one; all zero between calls.
     */
    private final int[] counts = new int[512];
    /** The threshold in bits per byte. */
    private final double maxBitsPerByte;
    /** The threshold as the least sum of {@code c * log2(c)} over a full sample: entropy falls as the sum grows. */
    private final long minSum;

    /** Creates a check with the default threshold, {@value #MAX_BITS_PER_BYTE_DEFAULT} bits per byte. */
    public Compressibility() {
        this(MAX_BITS_PER_BYTE_DEFAULT);
    }

    /**
     * Creates a check with the given threshold.
     *
     * @param maxBitsPerByte above this estimate a payload is judged incompressible; 0 to 8 (8 keeps everything)
     * @throws IllegalArgumentException if {@code maxBitsPerByte} is outside 0 to 8
     */
    public Compressibility(double maxBitsPerByte) {
        if (!(maxBitsPerByte >= 0 && maxBitsPerByte <= 8)) {
            throw new IllegalArgumentException("maxBitsPerByte must be 0 to 8: " + maxBitsPerByte);
        }
        this.maxBitsPerByte = maxBitsPerByte;
        // H = log2(n) - S / n, so H <= max exactly when S >= n * (log2(n) - max).
        this.minSum = (long) Math.ceil(SAMPLE_LENGTH * (log2(SAMPLE_LENGTH) - maxBitsPerByte) * SCALE);
    }

    /**
     * Tells whether compressing the payload is likely to make it smaller. A payload shorter than
     * {@value #SAMPLE_LENGTH} bytes is too short to judge and gets {@code true}; the caller's minimum length
     * normally keeps such payloads uncompressed anyway.
     *
     * @param data the payload, from position to limit; neither is changed
     * @return {@code false} if the sample looks like random or compressed data
     */
    public boolean likelyCompressible(ByteBuffer data) {
        return data.remaining() < SAMPLE_LENGTH || sampleSum(data) >= minSum;
    }

    /**
     * Returns the estimate {@link #likelyCompressible} compares with its threshold: the order-0 entropy of the
     * sample, {@code log2(n) - sum(c * log2(c)) / n} over the counts {@code c} of the {@code n} sampled bytes. A
     * payload shorter than {@value #SAMPLE_LENGTH} bytes is counted whole, and its estimate cannot exceed
     * {@code log2(length)}.
     *
     * @param data the payload, from position to limit; neither is changed
     * @return the estimate, 0 to 8 bits per byte; 0 for an empty payload
     */
    public double bitsPerByte(ByteBuffer data) {
        int length = data.remaining();
        if (length >= SAMPLE_LENGTH) {
            return log2(SAMPLE_LENGTH) - (double) sampleSum(data) / SCALE / SAMPLE_LENGTH;
        }
        if (length == 0) {
            return 0;
        }
        int start = data.position();
        for (int i = start; i < start + length; i++) {
            counts[data.get(i) & 0xFF]++;
        }
        long sum = 0;
        for (int value = 0; value < 256; value++) {
            sum += C_LOG2_C[counts[value]];
        }
        Arrays.fill(counts, 0);
        return log2(length) - (double) sum / SCALE / length;
    }

    /** Returns the maximum estimate at which a payload counts as compressible. */
    double maxBitsPerByte() {
        return maxBitsPerByte;
    }

    /** Counts the sample of a payload of at least {@link #SAMPLE_LENGTH} bytes and returns sum(c * log2(c)). */
    private long sampleSum(ByteBuffer data) {
        int start = data.position();
        int span = data.remaining() - RUN_LENGTH;
        int[] counts = this.counts;
        for (int run = 0; run < SAMPLE_RUNS; run++) {
            long word = data.getLong(start + (int) ((long) run * span / (SAMPLE_RUNS - 1)));
            for (int shift = 0; shift < Long.SIZE; shift += 16) {
                counts[(int) (word >>> shift) & 0xFF]++;
                counts[256 + ((int) (word >>> (shift + 8)) & 0xFF)]++;
            }
        }
        long sum = 0;
        for (int value = 0; value < 256; value++) {
            sum += C_LOG2_C[counts[value] + counts[256 + value]];
        }
        Arrays.fill(counts, 0);
        return sum;
    }

    private static double log2(int n) {
        return Math.log(n) / Math.log(2);
    }
}
