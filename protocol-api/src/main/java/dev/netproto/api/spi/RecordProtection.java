package dev.netproto.api.spi;

import java.nio.ByteBuffer;

/**
 * Protects the byte stream of an established session as a sequence of sealed records (docs/PROTOCOL.md section 8):
 * everything one side sends after its session split (whole frames, parts of frames, headers included) is cut into
 * records, each sealed as one unit, so that one sealing operation covers many small frames and an observer of the
 * wire sees only record sizes. Given to the core by a {@link SecuritySession} through
 * {@link SecuritySession.Handshake#protect}.
 *
 * <p><b>Layout.</b> A record is a {@value #HEADER_LENGTH}-byte header (a flags byte, then the sealed body's length
 * as a big-endian u16) and the sealed body: {@code plainLength + overhead()} bytes, at most
 * {@value #MAX_BODY_LENGTH}. The core frames records (it reads the length to know when one is complete, and writes
 * plaintext after room for the header); the protection seals and opens them in place and owns the flag bits it
 * declares in {@link #flagBits()} (for example a rekey signal). The header is authenticated: implementations use
 * its three bytes as associated data.
 *
 * <p><b>Threading and cost.</b> Called on the connection's event loop only, once per record: implementations must
 * not block and should not allocate per record. Records are sealed in the order they go on the wire and opened in
 * the order they arrive.
 */
public interface RecordProtection {
    /** Bytes of the header before every sealed body: flags (1), body length (2, big-endian). */
    int HEADER_LENGTH = 3;
    /** The largest sealed body: 65,535 bytes, the largest Noise message. */
    int MAX_BODY_LENGTH = 65_535;

    /**
     * Returns how many bytes sealing adds to a record's plaintext (an AEAD tag, say).
     *
     * @return the overhead, 0 or more, less than {@link #MAX_BODY_LENGTH}
     */
    int overhead();

    /**
     * Returns the header flag bits this protection sets on records it seals and reads on records it opens. The
     * core refuses records with any other bit set.
     *
     * @return a mask of bits of the flags byte; 0 (the default) for none
     */
    default int flagBits() {
        return 0;
    }

    /**
     * Seals one record in place. The core has written nothing in the header; the protection writes the flags and
     * the body length ({@code plainLength + overhead()}, big-endian) there first, then seals with the header as
     * associated data.
     *
     * @param record      the buffer holding the record
     * @param offset      where the record's header starts
     * @param plainLength plaintext bytes at {@code offset + HEADER_LENGTH}, 1 to
     *                    {@code MAX_BODY_LENGTH - overhead()}, followed by {@link #overhead()} bytes of room
     */
    void seal(ByteBuffer record, int offset, int plainLength);

    /**
     * Opens one complete record in place: afterwards its plaintext starts at {@code offset + HEADER_LENGTH}.
     *
     * @param record the buffer holding the whole record
     * @param offset where the record's header starts; the core checked the flags against {@link #flagBits()} and
     *               that the body length is more than {@link #overhead()}
     * @return the plaintext length: the body length minus {@link #overhead()}
     * @throws SecurityFailure with {@link dev.netproto.api.ErrorCode#AUTHENTICATION_FAILED} when the record does
     *     not authenticate (modified, dropped, reordered or replayed)
     */
    int open(ByteBuffer record, int offset);

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
