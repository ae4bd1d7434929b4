package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.FLAGS_OFFSET;
import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.LENGTH_OFFSET;

import dev.netproto.core.noise.CipherState;
import dev.netproto.core.noise.CipherStatePair;
import dev.netproto.core.noise.HandshakeState;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One connection's Noise session: the handshake while it runs, then the two cipher states that seal and open
 * frames (docs/PROTOCOL.md section 8).
 *
 * <p><b>Sealing.</b> A frame's payload is sealed in chunks of at most {@value #CHUNK} bytes (the largest Noise
 * message), each {@value #CHUNK_PLAIN} bytes of plaintext and a tag except the last; every chunk has the frame's
 * header, with its sealed length and flags, as associated data, and the next nonce. Frames are sealed in place
 * in the outbound queue, in queue order, just before they are written: so that the payload can be written (and
 * compressed) into its reservation first, and so that nonces follow the order on the wire.
 *
 * <p><b>Rekeying.</b> The sender decides: the frame that brings the count of frames sealed under the current key
 * to {@code rekeyAfterMessages}, or of their sealed payload bytes to {@code rekeyAfterBytes} or more, carries
 * {@link #FLAG_REKEY}, and both sides rekey that direction right after that frame; every sealed frame counts,
 * whatever its type. The flag is authenticated with the header, so nobody else can set or clear it.
 *
 * <p>Loop thread only.
 */
final class NoiseSession {
    /** Header flag: the sender rekeys after this frame; the receiver rekeys after opening it. */
    static final int FLAG_REKEY = 0x02;
    /** The largest sealed chunk: a Noise message's maximum length. */
    static final int CHUNK = HandshakeState.MAX_MESSAGE_LENGTH;
    /** Plaintext per full chunk. */
    static final int CHUNK_PLAIN = CHUNK - CipherState.TAG_LENGTH;
    private static final int TAG = CipherState.TAG_LENGTH;

    final String protocol;
    private HandshakeState handshake;
    private CipherState sender;
    private CipherState receiver;
    private final long rekeyAfterMessages;
    private final long rekeyAfterBytes;
    private long sentSinceRekey;
    private long bytesSinceRekey;
    private long rekeys;
    private int handshakeMessagesRead;

    // Frames reserved sealed and not yet sealed: their buffer, header offset and plaintext length.
    private ByteBuffer[] pendingBuffers = new ByteBuffer[8];
    private int[] pendingOffsets = new int[8];
    private int[] pendingLengths = new int[8];
    private int pendingCount;

    NoiseSession(String protocol, HandshakeState handshake, long rekeyAfterMessages, long rekeyAfterBytes) {
        this.protocol = protocol;
        this.handshake = handshake;
        this.rekeyAfterMessages = rekeyAfterMessages;
        this.rekeyAfterBytes = rekeyAfterBytes;
    }

    HandshakeState handshake() {
        return handshake;
    }

    /** Counts a handshake message read (by either side); returns how many this side read before it. */
    int countRead() {
        return handshakeMessagesRead++;
    }

    /** Whether frames this side sends are sealed. */
    boolean sealing() {
        return sender != null;
    }

    /** Whether frames this side receives are sealed. */
    boolean opening() {
        return receiver != null;
    }

    /** Times this side has rekeyed its sending direction; for tests and logs. */
    long rekeys() {
        return rekeys;
    }

    /** Ends the handshake: from now on frames are sealed both ways. The handshake's secrets are wiped. */
    void split() {
        CipherStatePair pair = handshake.split();
        sender = pair.sender();
        receiver = pair.receiver();
        handshake.destroy();
        handshake = null;
    }

    // ---------------------------------------------------------------- lengths

    /** The sealed length of a payload of {@code plain} bytes. */
    static int sealedLength(int plain) {
        int chunks = plain == 0 ? 1 : (plain + CHUNK_PLAIN - 1) / CHUNK_PLAIN;
        return plain + chunks * TAG;
    }

    /**
     * The plaintext length of a sealed payload, or -1 if no sender produces that length: exactly the lengths
     * {@link #sealedLength} returns are accepted. A sender's last chunk seals 1 to {@value #CHUNK_PLAIN} bytes, or
     * none only when the whole payload is empty; so after a full chunk, a last chunk of {@value #TAG} bytes or fewer
     * (no plaintext, or shorter than its tag) is never sent.
     */
    static int plainLength(int sealed) {
        if (sealed < TAG) {
            return -1;
        }
        int chunks = (sealed + CHUNK - 1) / CHUNK;
        int last = sealed - (chunks - 1) * CHUNK;
        int minLast = chunks == 1 ? TAG : TAG + 1;
        return last < minLast ? -1 : sealed - chunks * TAG;
    }

    // ---------------------------------------------------------------- sending

    /** Records a frame reserved with room for its sealed payload; it is sealed by {@link #sealPending()}. */
    void addPending(ByteBuffer buffer, int frameOffset, int plainLength) {
        if (pendingCount == pendingBuffers.length) {
            int n = pendingCount * 2;
            pendingBuffers = Arrays.copyOf(pendingBuffers, n);
            pendingOffsets = Arrays.copyOf(pendingOffsets, n);
            pendingLengths = Arrays.copyOf(pendingLengths, n);
        }
        pendingBuffers[pendingCount] = buffer;
        pendingOffsets[pendingCount] = frameOffset;
        pendingLengths[pendingCount] = plainLength;
        pendingCount++;
    }

    /** Corrects the plaintext length of the frame recorded last (its payload shrank, as with compression). */
    void resizeLast(int plainLength) {
        pendingLengths[pendingCount - 1] = plainLength;
    }

    /** Seals every recorded frame in place, in order. */
    void sealPending() {
        for (int i = 0; i < pendingCount; i++) {
            seal(pendingBuffers[i], pendingOffsets[i], pendingLengths[i]);
            pendingBuffers[i] = null;
        }
        pendingCount = 0;
    }

    private void seal(ByteBuffer b, int frameOffset, int plain) {
        int sealed = sealedLength(plain);
        b.putInt(frameOffset + LENGTH_OFFSET, sealed);
        sentSinceRekey++;
        bytesSinceRekey += sealed;
        boolean rekey = sentSinceRekey >= rekeyAfterMessages || bytesSinceRekey >= rekeyAfterBytes;
        if (rekey) {
            b.put(frameOffset + FLAGS_OFFSET, (byte) (b.get(frameOffset + FLAGS_OFFSET) | FLAG_REKEY));
        }
        int p = frameOffset + HEADER_LENGTH;
        int chunks = plain == 0 ? 1 : (plain + CHUNK_PLAIN - 1) / CHUNK_PLAIN;
        long base = sender.nonce();
        // Last chunk first: each moves forward by the tags before it, into room nothing still needs.
        for (int k = chunks - 1; k >= 0; k--) {
            int length = Math.min(CHUNK_PLAIN, plain - k * CHUNK_PLAIN);
            sender.setNonce(base + k);
            sender.encryptWithAd(b, frameOffset, HEADER_LENGTH, b, p + k * CHUNK_PLAIN, length, b, p + k * CHUNK);
        }
        sender.setNonce(base + chunks);
        if (rekey) {
            sender.rekey();
            sentSinceRekey = 0;
            bytesSinceRekey = 0;
            rekeys++;
        }
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Opens a sealed payload in place: its plaintext ends up contiguous at {@code frameOffset +} header.
     *
     * @param b           the buffer holding the whole frame
     * @param frameOffset where its header starts
     * @param sealed      the header's length field
     * @param flags       the header's flags
     * @return the plaintext length
     * @throws dev.netproto.core.noise.NoiseException if a chunk does not authenticate
     */
    int open(ByteBuffer b, int frameOffset, int sealed, int flags) {
        int plain = plainLength(sealed);
        int p = frameOffset + HEADER_LENGTH;
        int chunks = (sealed + CHUNK - 1) / CHUNK;
        for (int k = 0; k < chunks; k++) {
            int length = Math.min(CHUNK, sealed - k * CHUNK);
            receiver.decryptWithAd(b, frameOffset, HEADER_LENGTH, b, p + k * CHUNK, length, b, p + k * CHUNK_PLAIN);
        }
        if ((flags & FLAG_REKEY) != 0) {
            receiver.rekey();
        }
        return plain;
    }

    /** Wipes every key this session holds. Idempotent. */
    void destroy() {
        if (handshake != null) {
            handshake.destroy();
            handshake = null;
        }
        if (sender != null) {
            sender.destroy();
        }
        if (receiver != null) {
            receiver.destroy();
        }
        Arrays.fill(pendingBuffers, null);
        pendingCount = 0;
    }
}
