package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.FrameProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A toy {@link FrameProtection} for the stage tests, in no way secure: it XORs the payload with a key and appends a
 * 4-byte tag, the CRC-32 of the header, the ciphertext and the frame's number. A frame that was modified, dropped,
 * reordered or replayed therefore fails to open, as with a real AEAD, which is all the stages need to be tested
 * against. Sealing and opening keep separate frame numbers, so one instance can serve a whole connection.
 */
final class XorTagProtection implements FrameProtection {
    static final int TAG_LENGTH = 4;

    private final byte key;
    private final int flagBits;
    private final int rekeyEvery;
    private long sealedFrames;
    private long openedFrames;
    /** The plaintext length of each frame sealed, in the order sealed. */
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
    public int sealedLength(int plainLength) {
        return plainLength + TAG_LENGTH;
    }

    @Override
    public int plainLength(int sealedLength) {
        return sealedLength < TAG_LENGTH ? -1 : sealedLength - TAG_LENGTH;
    }

    @Override
    public int flagBits() {
        return flagBits;
    }

    @Override
    public void seal(ByteBuffer frame, int offset, int plainLength) {
        int lengthField = frame.getInt(offset + FrameDescriptor.LENGTH_OFFSET);
        if (lengthField != sealedLength(plainLength)) {
            throw new IllegalStateException("header says " + lengthField + " bytes, sealing " + plainLength);
        }
        frame.put(offset + FrameDescriptor.FLAGS_OFFSET,
            (byte) (frame.get(offset + FrameDescriptor.FLAGS_OFFSET) | flagBits));
        xor(frame, offset + FrameDescriptor.HEADER_LENGTH, plainLength);
        frame.putInt(offset + FrameDescriptor.HEADER_LENGTH + plainLength, tag(frame, offset, plainLength,
            sealedFrames++));
        sealedLengths.add(plainLength);
    }

    @Override
    public int open(ByteBuffer frame, int offset, int sealedLength) {
        int plainLength = sealedLength - TAG_LENGTH;
        if (frame.getInt(offset + FrameDescriptor.HEADER_LENGTH + plainLength)
            != tag(frame, offset, plainLength, openedFrames)) {
            throw new SecurityFailure(failWith, "tag mismatch on frame " + openedFrames);
        }
        openedFrames++;
        xor(frame, offset + FrameDescriptor.HEADER_LENGTH, plainLength);
        return plainLength;
    }

    @Override
    public long keyUpdates() {
        return rekeyEvery == 0 ? 0 : sealedFrames / rekeyEvery;
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

    private static int tag(ByteBuffer frame, int offset, int plainLength, long number) {
        CRC32 crc = new CRC32();
        crc.update(frame.slice(offset, FrameDescriptor.HEADER_LENGTH + plainLength));
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(0, number));
        return (int) crc.getValue();
    }

    /** Builds a frame whose payload is sealed by this protection, as a peer's writer would send it. */
    byte[] sealedFrame(int type, int flags, int requestId, byte[] plain) {
        ByteBuffer b = ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + sealedLength(plain.length));
        FrameCodec.writeHeader(b, 0, type, flags, requestId, sealedLength(plain.length));
        b.put(FrameDescriptor.HEADER_LENGTH, plain);
        seal(b, 0, plain.length);
        return b.array();
    }
}
