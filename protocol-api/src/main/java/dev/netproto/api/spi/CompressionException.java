package dev.netproto.api.spi;

import dev.netproto.api.NetprotoException;
import java.io.Serial;

/**
 * Compressed data that a {@link CompressionProvider} refused: corrupt or truncated, producing more or fewer bytes
 * than its frame stated, or claiming more than the {@linkplain CompressionLimits#checkRatio ratio cap} allows.
 * The peer caused it, so the core closes the connection with a protocol error; nothing was written past the
 * stated length.
 *
 * <p>It extends {@link NetprotoException}, like every failure the toolkit reports, so that one {@code catch} covers
 * them all; it is unchecked. A caller's own mistake (a negative length, an output buffer too small) is a plain
 * {@link IllegalArgumentException} instead, so this type tells a peer's bad data from a caller's bad argument.
 */
public final class CompressionException extends NetprotoException {
    /** The {@link #actualLength()} when it is not known: the data did not decode, or would have produced more. */
    public static final int UNKNOWN_LENGTH = -1;

    @Serial
    private static final long serialVersionUID = 1L;

    /** The algorithm's name. */
    private final String algorithm;
    /** The uncompressed length the frame stated. */
    private final int claimedLength;
    /** The length the data produced, or {@link #UNKNOWN_LENGTH}. */
    private final int actualLength;

    /**
     * Creates an exception whose message names the algorithm, the problem and both lengths.
     *
     * @param algorithm     the algorithm's name, such as {@code lz4}
     * @param claimedLength the uncompressed length the frame stated
     * @param actualLength  the length the data produced, or {@link #UNKNOWN_LENGTH}
     * @param problem       what is wrong, in a few words
     * @param cause         the library's exception, or {@code null}
     */
    public CompressionException(String algorithm, int claimedLength, int actualLength, String problem,
        Throwable cause) {
        super(algorithm + ": " + problem + " (claimed " + claimedLength + " bytes, actual "
            + (actualLength == UNKNOWN_LENGTH ? "unknown" : actualLength + " bytes") + ")", cause);
        this.algorithm = algorithm;
        this.claimedLength = claimedLength;
        this.actualLength = actualLength;
    }

    /**
     * The data would have produced more bytes than stated; decompression stopped at the stated length.
     *
     * @param algorithm     the algorithm's name
     * @param claimedLength the uncompressed length the frame stated
     * @return the exception to throw
     */
    public static CompressionException overrun(String algorithm, int claimedLength) {
        return new CompressionException(algorithm, claimedLength, UNKNOWN_LENGTH,
            "data decompresses to more than the claimed length", null);
    }

    /**
     * The data ended after producing fewer bytes than stated.
     *
     * @param algorithm     the algorithm's name
     * @param claimedLength the uncompressed length the frame stated
     * @param actualLength  the bytes the data produced
     * @return the exception to throw
     */
    public static CompressionException underrun(String algorithm, int claimedLength, int actualLength) {
        return new CompressionException(algorithm, claimedLength, actualLength,
            "data decompresses to fewer bytes than claimed", null);
    }

    /**
     * The data is not a valid stream: corrupt, truncated, or followed by extra bytes.
     *
     * @param algorithm     the algorithm's name
     * @param claimedLength the uncompressed length the frame stated
     * @param detail        what the decoder found, in a few words
     * @param cause         the library's exception, or {@code null}
     * @return the exception to throw
     */
    public static CompressionException corrupt(String algorithm, int claimedLength, String detail, Throwable cause) {
        return new CompressionException(algorithm, claimedLength, UNKNOWN_LENGTH, "corrupt data: " + detail, cause);
    }

    /**
     * Returns the name of the algorithm that refused the data.
     *
     * @return a provider's {@link CompressionProvider#name()}
     */
    public String algorithm() {
        return algorithm;
    }

    /**
     * Returns the uncompressed length the frame stated.
     *
     * @return the claimed length, in bytes
     */
    public int claimedLength() {
        return claimedLength;
    }

    /**
     * Returns the length the data produced before it was refused.
     *
     * @return the actual length in bytes, or {@link #UNKNOWN_LENGTH}
     */
    public int actualLength() {
        return actualLength;
    }
}
