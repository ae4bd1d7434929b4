package dev.netproto.api.spi;

/**
 * The compression-ratio cap: a compressed frame may state at most {@code maxRatio} times its compressed length as
 * its uncompressed length. The receiver checks it with {@link #checkRatio} as soon as it has read both lengths,
 * before it makes room for the output or calls {@link CompressionProvider#decompress}, so that a small frame
 * cannot make it reserve a large buffer (a "zip bomb" costs the attacker at least 1 byte per {@code maxRatio}
 * bytes the receiver reserves). A sender checks {@link #withinRatio} after compressing and sends a frame that
 * compressed better than the cap uncompressed, so that a conforming receiver never refuses it.
 *
 * <p>Stateless and thread-safe; allocates only when it throws.
 */
public final class CompressionLimits {
    /**
     * The default cap, 1:1024. Deflate cannot exceed about 1:1032 and LZ4 about 1:255, so real data under those
     * algorithms never meets it; Zstandard exceeds it only on near-constant data (1 MiB of zeros compresses to a
     * few dozen bytes), which the sender then sends uncompressed.
     */
    public static final int MAX_RATIO_DEFAULT = 1024;

    private CompressionLimits() {
    }

    /**
     * Tells whether an uncompressed length is within {@code maxRatio} times the compressed length.
     *
     * @param compressedLength   the compressed length, in bytes
     * @param uncompressedLength the uncompressed length, in bytes
     * @param maxRatio           the cap, at least 1, such as {@link #MAX_RATIO_DEFAULT}
     * @return {@code true} if {@code 0 <= uncompressedLength <= maxRatio * compressedLength}
     * @throws IllegalArgumentException if {@code maxRatio} is less than 1
     */
    public static boolean withinRatio(int compressedLength, int uncompressedLength, int maxRatio) {
        if (maxRatio < 1) {
            throw badRatio(maxRatio);
        }
        return uncompressedLength >= 0 && uncompressedLength <= (long) maxRatio * Math.max(compressedLength, 0);
    }

    /**
     * Refuses a frame whose stated uncompressed length exceeds {@code maxRatio} times its compressed length.
     *
     * @param algorithm          the algorithm's name, for the message
     * @param compressedLength   the compressed length, in bytes
     * @param uncompressedLength the uncompressed length the frame states
     * @param maxRatio           the cap, at least 1, such as {@link #MAX_RATIO_DEFAULT}
     * @throws CompressionException     if the stated length is negative or beyond the cap
     * @throws IllegalArgumentException if {@code maxRatio} is less than 1
     */
    public static void checkRatio(String algorithm, int compressedLength, int uncompressedLength, int maxRatio) {
        if (!withinRatio(compressedLength, uncompressedLength, maxRatio)) {
            throw ratioExceeded(algorithm, compressedLength, uncompressedLength, maxRatio);
        }
    }

    private static CompressionException ratioExceeded(String algorithm, int compressedLength,
        int uncompressedLength, int maxRatio) {
        return new CompressionException(algorithm, uncompressedLength, CompressionException.UNKNOWN_LENGTH,
            "claimed length is more than " + maxRatio + " times the compressed length " + compressedLength
                + " (the ratio cap); refused before decompressing", null);
    }

    private static IllegalArgumentException badRatio(int maxRatio) {
        return new IllegalArgumentException("maxRatio must be at least 1: " + maxRatio);
    }
}
