package dev.netproto.api.spi;

import java.nio.ByteBuffer;

/**
 * Protects every frame of an established session: seals a frame in place before it is written and opens it in
 * place after it is read, so that the hot path copies nothing. Given to the core by a {@link SecuritySession}
 * through {@link SecuritySession.Handshake#protect}.
 *
 * <p><b>Layout.</b> A frame is the 16-byte header of docs/PROTOCOL.md followed by its payload. When a frame of
 * {@code n} payload bytes is sent, the core reserves {@link #sealedLength(int) sealedLength(n)} bytes after the
 * header, writes the header with that length, writes the {@code n} plaintext bytes at the start of the room, and
 * later calls {@link #seal}; the header is final by then (apart from the {@link #flagBits()} the protection owns),
 * so it can be authenticated as associated data. Frames are sealed in the order they go on the wire, and opened in
 * the order they arrive.
 *
 * <p><b>Threading and cost.</b> Called on the connection's event loop only, once per frame: implementations must
 * not block, should not allocate per frame, and must be safe for the lengths {@link #plainLength} accepts.
 */
public interface FrameProtection {
    /** Bytes of the frame header that precedes every payload. */
    int HEADER_LENGTH = 16;

    /**
     * Returns the length of the sealed payload for a plaintext of the given length.
     *
     * @param plainLength payload bytes before sealing, 0 or more
     * @return payload bytes on the wire
     */
    int sealedLength(int plainLength);

    /**
     * Returns the plaintext length of a sealed payload, or -1 when no sender could have produced that length; the
     * core then closes the connection with {@link dev.netproto.api.ErrorCode#MALFORMED_FRAME} before reading it.
     *
     * @param sealedLength the header's length field
     * @return the plaintext length, or -1
     */
    int plainLength(int sealedLength);

    /**
     * Returns the header flag bits that this protection sets on frames it seals and reads on frames it opens (for
     * example a rekey signal). The core lets them through its flag checks on sealed frames and clears them before
     * it interprets the flags.
     *
     * @return a mask of flag bits; 0 (the default) for none
     */
    default int flagBits() {
        return 0;
    }

    /**
     * Seals one frame in place. It may set its {@link #flagBits()} in the header first.
     *
     * @param frame       the buffer holding the frame
     * @param offset      where the frame's header starts; its length field holds {@code sealedLength(plainLength)}
     * @param plainLength plaintext bytes at {@code offset + HEADER_LENGTH}, followed by room up to the sealed length
     */
    void seal(ByteBuffer frame, int offset, int plainLength);

    /**
     * Opens one frame in place: afterwards its plaintext starts at {@code offset + HEADER_LENGTH}.
     *
     * @param frame        the buffer holding the whole frame
     * @param offset       where the frame's header starts
     * @param sealedLength the header's length field, one that {@link #plainLength} accepted
     * @return the plaintext length
     * @throws SecurityFailure with {@link dev.netproto.api.ErrorCode#AUTHENTICATION_FAILED} when the frame does
     *     not authenticate (modified, dropped, reordered or replayed)
     */
    int open(ByteBuffer frame, int offset, int sealedLength);

    /**
     * Returns how many times this protection has changed its sending key, for the connection's counters.
     *
     * @return key updates so far; 0 (the default) for a protection that never rekeys
     */
    default long keyUpdates() {
        return 0;
    }

    /** Wipes the keys; called once when the connection closes. The default does nothing. */
    default void destroy() {
    }
}
