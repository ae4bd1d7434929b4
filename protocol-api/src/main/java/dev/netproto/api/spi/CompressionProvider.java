package dev.netproto.api.spi;

import java.nio.ByteBuffer;

/**
 * A per-frame compression algorithm, selected by {@link #name()} ({@code lz4}, {@code zstd}, {@code deflate})
 * during HELLO.
 *
 * <p>Called on the event loop for every compressed frame: implementations must not block and should not allocate
 * per call. They are thread-safe or hold no state.
 */
public interface CompressionProvider {

    /**
     * Returns the name announced in HELLO.
     *
     * @return a short lower-case ASCII name
     */
    String name();

    /**
     * Returns the largest output {@link #compress} may produce for an input of the given length.
     *
     * @param length the uncompressed length
     * @return the bound, in bytes
     */
    int maxCompressedLength(int length);

    /**
     * Compresses {@code src} (position to limit) into {@code dst} from its position.
     *
     * @param src the data; its position is advanced to its limit
     * @param dst room for at least {@link #maxCompressedLength(int)} bytes; its position is advanced
     * @return the compressed length
     */
    int compress(ByteBuffer src, ByteBuffer dst);

    /**
     * Decompresses {@code src} into {@code dst}, which has exactly {@code uncompressedLength} bytes of room. Fails,
     * rather than writes further, when the data would produce more, and fails when it produces fewer.
     *
     * @param src                the compressed data; its position is advanced
     * @param dst                the output; its position is advanced by {@code uncompressedLength}
     * @param uncompressedLength the length the frame states, already checked against the maximum frame length
     * @throws IllegalArgumentException if the data is corrupt or does not produce exactly that many bytes
     */
    void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength);
}
