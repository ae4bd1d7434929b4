package dev.netproto.security.noise;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.nio.ByteBuffer;

/**
 * The record protection of an established Noise session (docs/PROTOCOL.md section 8): the two cipher states from
 * Split(), sealing and opening records in place.
 *
 * <p><b>Sealing.</b> A record's body is one Noise transport message: the plaintext encrypted with the next nonce
 * and the record's {@value RecordProtection#HEADER_LENGTH}-byte header (flags, body length) as associated data,
 * followed by the {@value #TAG}-byte tag. The core cuts the byte stream into records and seals them in the order
 * they go on the wire, so nonces follow that order; a record dropped, reordered, replayed or changed on the way
 * fails to open.
 *
 * <p><b>Rekeying.</b> The sender decides: the record that brings the count of records sealed under the current key
 * to {@code rekeyAfterMessages}, or of their body bytes to {@code rekeyAfterBytes} or more, carries
 * {@link #FLAG_REKEY}, and both sides rekey that direction right after that record. The flag is authenticated with
 * the header, so nobody else can set or clear it.
 *
 * <p>Loop thread only.
 */
final class NoiseRecordProtection implements RecordProtection {
    /** Record flag: the sender rekeys after this record; the receiver rekeys after opening it. */
    static final int FLAG_REKEY = 0x01;
    private static final int TAG = CipherState.TAG_LENGTH;

    private final CipherState sender;
    private final CipherState receiver;
    private final long rekeyAfterMessages;
    private final long rekeyAfterBytes;
    private long sentSinceRekey;
    private long bytesSinceRekey;
    private long rekeys;

    NoiseRecordProtection(CipherStatePair pair, long rekeyAfterMessages, long rekeyAfterBytes) {
        this.sender = pair.sender();
        this.receiver = pair.receiver();
        this.rekeyAfterMessages = rekeyAfterMessages;
        this.rekeyAfterBytes = rekeyAfterBytes;
    }

    @Override
    public int overhead() {
        return TAG;
    }

    @Override
    public int flagBits() {
        return FLAG_REKEY;
    }

    @Override
    public long keyUpdates() {
        return rekeys;
    }

    @Override
    public void seal(ByteBuffer b, int offset, int plain) {
        int body = plain + TAG;
        sentSinceRekey++;
        bytesSinceRekey += body;
        boolean rekey = sentSinceRekey >= rekeyAfterMessages || bytesSinceRekey >= rekeyAfterBytes;
        b.put(offset, (byte) (rekey ? FLAG_REKEY : 0));
        b.putShort(offset + 1, (short) body);
        int p = offset + HEADER_LENGTH;
        sender.encryptWithAd(b, offset, HEADER_LENGTH, b, p, plain, b, p);
        if (rekey) {
            sender.rekey();
            sentSinceRekey = 0;
            bytesSinceRekey = 0;
            rekeys++;
        }
    }

    @Override
    public int open(ByteBuffer b, int offset) {
        int body = b.getShort(offset + 1) & 0xFFFF;
        int p = offset + HEADER_LENGTH;
        try {
            receiver.decryptWithAd(b, offset, HEADER_LENGTH, b, p, body, b, p);
        } catch (NoiseException e) {
            throw new SecurityFailure(ErrorCode.AUTHENTICATION_FAILED, e.getMessage(), e);
        }
        if ((b.get(offset) & FLAG_REKEY) != 0) {
            receiver.rekey();
        }
        return body - TAG;
    }

    /** Wipes both keys. Idempotent. */
    @Override
    public void destroy() {
        sender.destroy();
        receiver.destroy();
    }
}
