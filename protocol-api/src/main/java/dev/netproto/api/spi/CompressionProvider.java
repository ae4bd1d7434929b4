package dev.netproto.api.spi;

import java.nio.ByteBuffer;

/**
 * A per-frame compression algorithm, selected by {@link #name()} ({@code lz4}, {@code zstd}, {@code deflate})
 * during HELLO. Each frame is compressed on its own: no state carries over from one frame to the next, so frames
 * may be decompressed in any order and a lost or refused frame affects no other.
 *
 * <p><b>Threading.</b> Called on the event loops for every compressed frame, from several loop threads at once:
 * implementations are thread-safe (they hold no per-call state, or keep it per thread) and never block. They
 * should not allocate per call; where a library forces an allocation, the implementation says so.
 *
 * <p><b>Untrusted input.</b> {@link #decompress} reads bytes a peer sent. It writes at most the stated number of
 * bytes, allocates nothing in proportion to the stated or the real output, and fails with
 * {@link CompressionException} on anything but a stream that produces exactly the stated length. The caller
 * bounds the stated length before it makes room for it: against the maximum frame length, and against a
 * compression ratio with {@link CompressionLimits#checkRatio}.
 */
public interface CompressionProvider {

    /**
     * Returns the name announced in HELLO.
     *
     * @return a short lower-case ASCII name
     */
    String name();

    /**
     * Tells whether this algorithm works in this process. A provider whose native library could not be loaded for
     * this platform returns {@code false} (and has logged one warning naming the platform); the core then does not
     * offer it in HELLO. {@link #compress} and {@link #decompress} of an unavailable provider throw
     * {@link IllegalStateException}. The first call may load a native library; later calls are cheap.
     *
     * @return {@code true} if {@link #compress} and {@link #decompress} can be called
     */
    default boolean isAvailable() {
        return true;
    }

    /**
     * Returns the largest output {@link #compress} may produce for an input of the given length. The output can
     * be larger than the input (random or already compressed data); the caller decides whether the frame goes
     * compressed.
     *
     * @param length the uncompressed length, at least 0
     * @return the bound, in bytes
     * @throws IllegalArgumentException if {@code length} is negative or the bound does not fit in an {@code int}
     */
    int maxCompressedLength(int length);

    /**
     * Compresses {@code src} (position to limit) into {@code dst} from its position, as one self-contained
     * stream.
     *
     * @param src the data; its position is advanced to its limit
     * @param dst room for at least {@link #maxCompressedLength(int)} bytes; its position is advanced by the
     *            compressed length
     * @return the compressed length
     * @throws IllegalArgumentException if {@code dst} has less room than {@link #maxCompressedLength(int)}, or is
     *                                  read-only
     * @throws IllegalStateException    if the provider is not {@linkplain #isAvailable() available}
     */
    int compress(ByteBuffer src, ByteBuffer dst);

    /**
     * Decompresses {@code src} (position to limit, which must hold one complete stream and nothing after it) into
     * {@code dst}. Writes at most {@code uncompressedLength} bytes from {@code dst}'s position, even if {@code dst}
     * has more room; fails, rather than writes further, when the data would produce more, and fails when it
     * produces fewer. On failure the positions of both buffers are unchanged and the bytes of {@code dst} from its
     * position up to {@code uncompressedLength} are undefined.
     *
     * @param src                the compressed data; its position is advanced to its limit
     * @param dst                the output; its position is advanced by {@code uncompressedLength}
     * @param uncompressedLength the length the frame states, already checked against the maximum frame length and
     *                           the ratio cap
     * @throws CompressionException     if the data is corrupt, truncated, or does not produce exactly
     *                                  {@code uncompressedLength} bytes
     * @throws IllegalArgumentException if {@code uncompressedLength} is negative or more than {@code dst} has
     *                                  room for (a caller's bug, not the peer's)
     * @throws IllegalStateException    if the provider is not {@linkplain #isAvailable() available}
     */
    void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength);

    /**
     * Frees the state this provider keeps for the calling thread (contexts of a native library, which the
     * garbage collector does not free). The core calls it on each event loop thread just before that thread ends.
     * A later call of {@link #compress} or {@link #decompress} on the same thread creates the state again. The
     * default does nothing.
     */
    default void onThreadExit() {
    }
}
