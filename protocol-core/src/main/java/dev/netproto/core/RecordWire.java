package dev.netproto.core;

import static dev.netproto.api.spi.RecordProtection.HEADER_LENGTH;
import static dev.netproto.api.spi.RecordProtection.MAX_BODY_LENGTH;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;

/**
 * The sealed-record layer of a session whose security protects the byte stream (Noise; docs/PROTOCOL.md section
 * 8): between the socket and the frame reader and writer, as {@link TlsWire} is for TLS. Every byte a side sends
 * after its session split travels in records of a {@value RecordProtection#HEADER_LENGTH}-byte header (flags,
 * big-endian u16 body length) and a sealed body; the plaintext of consecutive records is the frame stream, cut
 * anywhere.
 *
 * <p><b>Sending.</b> {@link #write(ByteBuffer[], int, int)} takes what the outbound queue holds, copies up to a
 * record's worth of plaintext after room for a header in its own buffer, has the protection seal it there, and
 * goes on until the queue or the buffer is used up; then writes the buffer. One flush of many small frames is one
 * record and one AEAD operation. The copy into the record buffer replaces none of the sealing work: the cipher reads
 * the plaintext and writes the ciphertext once either way.
 *
 * <p><b>Receiving.</b> {@link #read(ByteBuffer)} reads the socket into its own buffer, opens every complete record
 * in place and copies its plaintext to the frame reader's buffer (what does not fit waits in a second buffer). A
 * record whose flags or length no sender produces, or that does not authenticate, fails the read with
 * {@link RecordFailure}, naming the code the connection closes with.
 *
 * <p>Buffers come from the loop's pool and go back as soon as they are empty, so an idle connection holds none.
 * They are heap buffers, as {@link TlsWire}'s records are: the JCE ciphers work on arrays in place, while on direct
 * buffers the Noise cipher state copies each record into an array and back, twice the copies the socket's own
 * copy between heap and kernel costs. Loop thread only.
 */
final class RecordWire implements GatheringByteChannel {
    /** Room for one record of the largest size: header and body. */
    static final int MAX_RECORD = HEADER_LENGTH + MAX_BODY_LENGTH;
    /** The send buffer: room for a full record, or many small ones. */
    private static final int NET_OUT = 2 * BufferPool.SEGMENT_SIZE;
    /** The receive buffer: room for the largest record and the start of the next one. */
    private static final int NET_IN = 2 * BufferPool.SEGMENT_SIZE;

    /** A record broke the rules or did not authenticate: the connection closes with {@link #code()}. */
    static final class RecordFailure extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient ErrorCode code;

        RecordFailure(ErrorCode code, String message, Throwable cause) {
            super(message, cause);
            this.code = code;
        }

        ErrorCode code() {
            return code;
        }
    }

    private final RecordProtection protection;
    private final ByteChannel channel;
    private final BufferPool pool;
    private final int overhead;
    private final int maxPlain;
    private final int badFlags;
    /** Bytes read and not yet opened, from position 0 to the position (write mode); null when empty. */
    private PooledBuffer netIn;
    /** Plaintext opened and not yet handed over, from the position to the limit; null when empty. */
    private PooledBuffer appIn;
    /** Sealed records not yet written, from the position to the limit; null when empty. */
    private PooledBuffer netOut;
    private long records;
    /**
     * Bytes the connection queued before the session started protecting the stream: they go out as they are, ahead
     * of the first record. Kept here, not in the connection, so that connections without records do not pay for it.
     */
    long rawLeft;
    /** Key updates already added to the loop's counters. */
    private long keyUpdatesCounted;
    /** For {@link #write(ByteBuffer)}: the outbound queue writes a lone segment that way, once per flush. */
    private final ByteBuffer[] single = new ByteBuffer[1];
    private final LoopCounters counters;

    RecordWire(RecordProtection protection, ByteChannel channel, BufferPool pool, LoopCounters counters) {
        this.protection = protection;
        this.channel = channel;
        this.pool = pool;
        this.counters = counters;
        this.overhead = protection.overhead();
        if (overhead < 0 || overhead >= MAX_BODY_LENGTH) {
            throw new IllegalArgumentException("record protection overhead out of range: " + overhead);
        }
        this.maxPlain = MAX_BODY_LENGTH - overhead;
        this.badFlags = ~protection.flagBits() & 0xFF;
    }

    /** The protection; for its key updates and to wipe it. */
    RecordProtection protection() {
        return protection;
    }

    /** Records sealed and opened so far; for tests. */
    long records() {
        return records;
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Takes bytes that arrived before the switch was known (read along with the frame that completed the
     * handshake): they are the first record bytes. Copies them.
     *
     * @param bytes from the position to the limit; the position moves to the limit
     */
    void feed(ByteBuffer bytes) {
        if (!bytes.hasRemaining()) {
            return;
        }
        if (netIn == null) {
            netIn = pool.acquireHeap(Math.max(NET_IN, bytes.remaining()));
        }
        netIn.buf.put(bytes);
    }

    /**
     * Reads plaintext into {@code dst}: what was opened before, then complete records already received, then from
     * the socket.
     *
     * @return plaintext bytes put in {@code dst}; 0 if none is ready; -1 at the end of the stream with nothing
     *     left to hand over
     * @throws RecordFailure if a record is malformed or does not authenticate
     * @throws IOException   if the socket fails
     */
    int read(ByteBuffer dst) throws IOException {
        int total = drainAppIn(dst);
        if (!dst.hasRemaining()) {
            return total;
        }
        total += openRecords(dst);
        if (total > 0 || appIn != null) {
            return total;
        }
        if (netIn == null) {
            netIn = pool.acquireHeap(NET_IN);
        }
        int n = channel.read(netIn.buf);
        total = n < 0 ? -1 : openRecords(dst);
        if (netIn != null && netIn.buf.position() == 0) {
            pool.release(netIn);
            netIn = null;
        }
        return total;
    }

    /**
     * Whether plaintext is ready that a read would hand over without the socket becoming readable again: opened
     * and not handed over, or a complete record not yet opened.
     */
    boolean hasBufferedInput() {
        return appIn != null || completeRecord() > 0;
    }

    /** Whether part of a record has arrived and waits for the rest (for the frame timeout). */
    boolean hasPartialRecord() {
        return netIn != null && netIn.buf.position() > 0 && completeRecord() == 0;
    }

    /** Describes the bytes held of a cut record, for an end-of-stream message. */
    String describePartial() {
        ByteBuffer b = netIn.buf;
        int have = b.position();
        String need = have >= HEADER_LENGTH ? String.valueOf(HEADER_LENGTH + (b.getShort(1) & 0xFFFF)) : "?";
        return have + " of " + need + " bytes of a record";
    }

    private int drainAppIn(ByteBuffer dst) {
        if (appIn == null) {
            return 0;
        }
        ByteBuffer a = appIn.buf;
        int n = Math.min(a.remaining(), dst.remaining());
        dst.put(dst.position(), a, a.position(), n);
        dst.position(dst.position() + n);
        a.position(a.position() + n);
        if (!a.hasRemaining()) {
            pool.release(appIn);
            appIn = null;
        }
        return n;
    }

    /** The length of the complete record at the start of {@code netIn}, or 0. */
    private int completeRecord() {
        if (netIn == null) {
            return 0;
        }
        ByteBuffer b = netIn.buf;
        int have = b.position();
        if (have < HEADER_LENGTH) {
            return 0;
        }
        int length = HEADER_LENGTH + (b.getShort(1) & 0xFFFF);
        return have >= length ? length : 0;
    }

    /** Opens every complete record in {@code netIn} while {@code dst} has room; returns the plaintext handed over. */
    private int openRecords(ByteBuffer dst) throws RecordFailure {
        if (netIn == null) {
            return 0;
        }
        ByteBuffer b = netIn.buf;
        int have = b.position();
        int start = 0;
        int total = 0;
        try {
            while (have - start >= HEADER_LENGTH && appIn == null) {
                int flags = b.get(start) & 0xFF;
                int body = b.getShort(start + 1) & 0xFFFF;
                if ((flags & badFlags) != 0) {
                    throw new RecordFailure(ErrorCode.MALFORMED_FRAME, "record with flags 0x"
                        + Integer.toHexString(flags) + ": no sender sets those bits", null);
                }
                if (body <= overhead) {
                    throw new RecordFailure(ErrorCode.MALFORMED_FRAME, "record body of " + body + " bytes: a sealed "
                        + "record carries at least one byte of plaintext and its " + overhead + " bytes of overhead",
                        null);
                }
                if (have - start < HEADER_LENGTH + body) {
                    break;
                }
                int plain;
                try {
                    plain = protection.open(b, start);
                } catch (SecurityFailure e) {
                    throw new RecordFailure(e.code(), "a sealed record of " + body + " bytes failed authentication: "
                        + "it was modified, dropped, reordered or replayed on the way (" + e.getMessage() + ")", e);
                }
                records++;
                int from = start + HEADER_LENGTH;
                int n = Math.min(plain, dst.remaining());
                dst.put(dst.position(), b, from, n);
                dst.position(dst.position() + n);
                total += n;
                if (n < plain) {
                    // The reader's buffer is full: the rest waits, opened, for the next read.
                    appIn = pool.acquireHeap(plain - n);
                    appIn.buf.put(0, b, from + n, plain - n);
                    appIn.buf.limit(plain - n);
                }
                start += HEADER_LENGTH + body;
            }
        } finally {
            compact(b, start, have);
        }
        return total;
    }

    /** Moves the bytes after {@code start} to the front of {@code netIn}, or releases it when none are left. */
    private void compact(ByteBuffer b, int start, int have) {
        if (start == 0) {
            return;
        }
        if (start == have) {
            pool.release(netIn);
            netIn = null;
            return;
        }
        b.put(0, b, start, have - start);
        b.position(have - start);
    }

    // ---------------------------------------------------------------- sending

    @Override
    public int write(ByteBuffer src) throws IOException {
        single[0] = src;
        try {
            return (int) write(single, 0, 1);
        } finally {
            single[0] = null;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * Seals what the sources hold into records and writes them, until the sources are empty or the socket is
     * full; the sources' positions move past what was sealed.
     *
     * @return plaintext bytes taken from the sources
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long taken = 0;
        int first = offset;
        int end = offset + length;
        while (true) {
            if (!flushOutput()) {
                return taken;
            }
            while (first < end && !srcs[first].hasRemaining()) {
                first++;
            }
            if (first == end) {
                countKeyUpdates();
                return taken;
            }
            netOut = pool.acquireHeap(NET_OUT);
            ByteBuffer out = netOut.buf;
            int pos = 0;
            // Records while the sources have bytes and the buffer has room for a record of at least one byte.
            while (first < end && out.capacity() - pos > HEADER_LENGTH + overhead) {
                int plain = Math.min(maxPlain, out.capacity() - pos - HEADER_LENGTH - overhead);
                int filled = 0;
                while (filled < plain && first < end) {
                    ByteBuffer s = srcs[first];
                    int n = Math.min(s.remaining(), plain - filled);
                    out.put(pos + HEADER_LENGTH + filled, s, s.position(), n);
                    s.position(s.position() + n);
                    filled += n;
                    while (first < end && !srcs[first].hasRemaining()) {
                        first++;
                    }
                }
                protection.seal(out, pos, filled);
                records++;
                pos += HEADER_LENGTH + filled + overhead;
                taken += filled;
            }
            out.position(0).limit(pos);
        }
    }

    private void countKeyUpdates() {
        long updates = protection.keyUpdates();
        if (updates != keyUpdatesCounted) {
            counters.add(LoopCounters.NOISE_REKEYS, updates - keyUpdatesCounted);
            keyUpdatesCounted = updates;
        }
    }

    /**
     * Writes the sealed records waiting for the socket.
     *
     * @return whether none is left waiting
     */
    boolean flushOutput() throws IOException {
        if (netOut == null) {
            return true;
        }
        channel.write(netOut.buf);
        if (netOut.buf.hasRemaining()) {
            return false;
        }
        pool.release(netOut);
        netOut = null;
        return true;
    }

    /** Whether sealed bytes wait for the socket. */
    boolean hasPendingOutput() {
        return netOut != null;
    }

    /** Bytes of pooled memory held. Cold path. */
    long heldBytes() {
        return capacity(netIn) + capacity(appIn) + capacity(netOut);
    }

    private static long capacity(PooledBuffer b) {
        return b == null ? 0 : b.buf.capacity();
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Does not close the socket: the connection does. */
    @Override
    public void close() {
        release();
    }

    /** Gives the buffers back. Idempotent. */
    void release() {
        if (netIn != null) {
            pool.release(netIn);
            netIn = null;
        }
        if (appIn != null) {
            pool.release(appIn);
            appIn = null;
        }
        if (netOut != null) {
            pool.release(netOut);
            netOut = null;
        }
    }
}
