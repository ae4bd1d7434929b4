package dev.netproto.security.noise;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.FrameProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.nio.ByteBuffer;

/**
 * The frame protection of an established Noise session (docs/PROTOCOL.md section 8): the two cipher states from
 * Split(), sealing and opening frames in place.
 *
 * <p><b>Sealing.</b> A frame's payload is sealed in chunks of at most {@value #CHUNK} bytes (the largest Noise
 * message), each {@value #CHUNK_PLAIN} bytes of plaintext and a tag except the last; every chunk has the frame's
 * header, with its sealed length and flags, as associated data, and the next nonce. The core seals frames in place
 * in its outbound queue, in queue order, just before they are written: so that the payload can be written (and
 * compressed) into its reservation first, and so that nonces follow the order on the wire.
 *
 * <p><b>Rekeying.</b> The sender decides: the frame that brings the count of frames sealed under the current key
 * to {@code rekeyAfterMessages}, or of their sealed payload bytes to {@code rekeyAfterBytes} or more, carries
 * {@link #FLAG_REKEY}, and both sides rekey that direction right after that frame; every sealed frame counts,
 * whatever its type. The flag is authenticated with the header, so nobody else can set or clear it.
 *
 * <p>Loop thread only.
 */
final class NoiseFrameProtection implements FrameProtection {
    /** Header flag: the sender rekeys after this frame; the receiver rekeys after opening it. */
    static final int FLAG_REKEY = 0x02;
    /** The largest sealed chunk: a Noise message's maximum length. */
    static final int CHUNK = HandshakeState.MAX_MESSAGE_LENGTH;
    /** Plaintext per full chunk. */
    static final int CHUNK_PLAIN = CHUNK - CipherState.TAG_LENGTH;
    private static final int TAG = CipherState.TAG_LENGTH;
    private static final int FLAGS_OFFSET = 4;

    private final CipherState sender;
    private final CipherState receiver;
    private final long rekeyAfterMessages;
    private final long rekeyAfterBytes;
    private long sentSinceRekey;
    private long bytesSinceRekey;
    private long rekeys;

    NoiseFrameProtection(CipherStatePair pair, long rekeyAfterMessages, long rekeyAfterBytes) {
        this.sender = pair.sender();
        this.receiver = pair.receiver();
        this.rekeyAfterMessages = rekeyAfterMessages;
        this.rekeyAfterBytes = rekeyAfterBytes;
    }

    @Override
    public int flagBits() {
        return FLAG_REKEY;
    }

    @Override
    public long keyUpdates() {
        return rekeys;
    }

    /** The sealed length of a payload of {@code plain} bytes. */
    @Override
    public int sealedLength(int plain) {
        return sealed(plain);
    }

    static int sealed(int plain) {
        int chunks = plain == 0 ? 1 : (plain + CHUNK_PLAIN - 1) / CHUNK_PLAIN;
        return plain + chunks * TAG;
    }

    /**
     * The plaintext length of a sealed payload, or -1 if no sender produces that length: exactly the lengths
     * {@link #sealedLength} returns are accepted. A sender's last chunk seals 1 to {@value #CHUNK_PLAIN} bytes, or
     * none only when the whole payload is empty; so after a full chunk, a last chunk of {@value #TAG} bytes or fewer
     * (no plaintext, or shorter than its tag) is never sent.
     */
    @Override
    public int plainLength(int sealed) {
        if (sealed < TAG) {
            return -1;
        }
        int chunks = (sealed + CHUNK - 1) / CHUNK;
        int last = sealed - (chunks - 1) * CHUNK;
        int minLast = chunks == 1 ? TAG : TAG + 1;
        return last < minLast ? -1 : sealed - chunks * TAG;
    }

    @Override
    public void seal(ByteBuffer b, int frameOffset, int plain) {
        int sealed = sealed(plain);
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

    @Override
    public int open(ByteBuffer b, int frameOffset, int sealed) {
        int plain = plainLength(sealed);
        int p = frameOffset + HEADER_LENGTH;
        int chunks = (sealed + CHUNK - 1) / CHUNK;
        try {
            for (int k = 0; k < chunks; k++) {
                int length = Math.min(CHUNK, sealed - k * CHUNK);
                receiver.decryptWithAd(b, frameOffset, HEADER_LENGTH, b, p + k * CHUNK, length, b,
                    p + k * CHUNK_PLAIN);
            }
        } catch (NoiseException e) {
            throw new SecurityFailure(ErrorCode.AUTHENTICATION_FAILED, e.getMessage(), e);
        }
        if ((b.get(frameOffset + FLAGS_OFFSET) & FLAG_REKEY) != 0) {
            receiver.rekey();
        }
        return plain;
    }

    /** Wipes both keys. Idempotent. */
    @Override
    public void destroy() {
        sender.destroy();
        receiver.destroy();
    }
}
