package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A toy {@link RecordProtection} for the stage tests, in no way secure: it XORs the plaintext with a key and
 * appends a 4-byte tag, the CRC-32 of the header, the ciphertext and the record's number. A record that was
 * modified, dropped, reordered or replayed therefore fails to open, as with a real AEAD, which is all the stages
 * need to be tested against. Sealing and opening keep separate record numbers, so one instance can serve a whole
 * connection. Every {@code rekeyEvery}-th record sealed carries {@code flagBits} (0 for never).
 */
final class XorTagProtection implements RecordProtection {
    static final int TAG_LENGTH = 4;

    private final byte key;
    private final int flagBits;
    private final int rekeyEvery;
    private long sealedRecords;
    private long openedRecords;
    /** The plaintext length of each record sealed, in the order sealed. */
    final List<Integer> sealedLengths = new ArrayList<>();
    /** The code {@link #open} fails with when a tag does not match. */
    ErrorCode failWith = ErrorCode.AUTHENTICATION_FAILED;
    int destroyCalls;
    /** Thrown by {@link #destroy} after counting the call, when set. */
    RuntimeException failOnDestroy;

    XorTagProtection(int key, int flagBits, int rekeyEvery) {
        this.key = (byte) key;
        this.flagBits = flagBits;
        this.rekeyEvery = rekeyEvery;
    }

    XorTagProtection() {
        this(0x5A, 0x80, 0);
    }

    @Override
    public int overhead() {
        return TAG_LENGTH;
    }

    @Override
    public int flagBits() {
        return flagBits;
    }

    @Override
    public void seal(ByteBuffer record, int offset, int plainLength) {
        sealedRecords++;
        boolean flag = rekeyEvery > 0 && sealedRecords % rekeyEvery == 0;
        record.put(offset, (byte) (flag ? flagBits : 0));
        record.putShort(offset + 1, (short) (plainLength + TAG_LENGTH));
        xor(record, offset + HEADER_LENGTH, plainLength);
        record.putInt(offset + HEADER_LENGTH + plainLength, tag(record, offset, plainLength, sealedRecords - 1));
        sealedLengths.add(plainLength);
    }

    @Override
    public int open(ByteBuffer record, int offset) {
        int plainLength = (record.getShort(offset + 1) & 0xFFFF) - TAG_LENGTH;
        if (record.getInt(offset + HEADER_LENGTH + plainLength) != tag(record, offset, plainLength, openedRecords)) {
            throw new SecurityFailure(failWith, "tag mismatch on record " + openedRecords);
        }
        openedRecords++;
        xor(record, offset + HEADER_LENGTH, plainLength);
        return plainLength;
    }

    @Override
    public long keyUpdates() {
        return rekeyEvery == 0 ? 0 : sealedRecords / rekeyEvery;
    }

    @Override
    public void destroy() {
        destroyCalls++;
        if (failOnDestroy != null) {
            throw failOnDestroy;
        }
    }

    private void xor(ByteBuffer b, int at, int length) {
        for (int i = 0; i < length; i++) {
            b.put(at + i, (byte) (b.get(at + i) ^ key ^ i));
        }
    }

    private static int tag(ByteBuffer record, int offset, int plainLength, long number) {
        CRC32 crc = new CRC32();
        crc.update(record.slice(offset, HEADER_LENGTH + plainLength));
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, number));
        return (int) crc.getValue();
    }

    /** Builds a record of this plaintext sealed by this protection, as a peer would send it. */
    byte[] sealedRecord(byte[] plain) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + plain.length + TAG_LENGTH);
        b.put(HEADER_LENGTH, plain);
        seal(b, 0, plain.length);
        return b.array();
    }

    /** Opens every record of a stream with this protection and returns the plaintext; fails on a partial one. */
    byte[] openAll(byte[] stream) {
        ByteBuffer b = ByteBuffer.wrap(stream.clone());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at < stream.length) {
            int body = b.getShort(at + 1) & 0xFFFF;
            int plain = open(b, at);
            out.write(b.array(), at + HEADER_LENGTH, plain);
            at += HEADER_LENGTH + body;
        }
        return out.toByteArray();
    }
}
