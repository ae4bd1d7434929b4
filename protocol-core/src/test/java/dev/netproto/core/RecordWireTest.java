package dev.netproto.core;

import static dev.netproto.api.spi.RecordProtection.HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The record layer between socket and frames (docs/PROTOCOL.md section 8): what one write seals, records cut at any
 * byte, and every way a record can be refused. The channel is in memory; the sockets are in the it module's Noise
 * tests.
 */
@Timeout(10)
class RecordWireTest {
    /** A channel in memory: reads hand out what {@link #arrive} queued, at most {@link #readLimit} per call. */
    static final class MemoryChannel implements ByteChannel {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private byte[] incoming = new byte[0];
        private int at;
        int readLimit = Integer.MAX_VALUE;
        int writeLimit = Integer.MAX_VALUE;
        boolean endOfStream;

        void arrive(byte[] bytes) {
            byte[] rest = Arrays.copyOfRange(incoming, at, incoming.length);
            incoming = FrameReaderTest.concat(rest, bytes);
            at = 0;
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = Math.min(Math.min(incoming.length - at, dst.remaining()), readLimit);
            if (n == 0) {
                return endOfStream && at == incoming.length ? -1 : 0;
            }
            dst.put(incoming, at, n);
            at += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), writeLimit);
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final MemoryChannel channel = new MemoryChannel();
    private final XorTagProtection protection = new XorTagProtection(0x5A, 0x80, 3);
    private final RecordWire wire = new RecordWire(protection, channel, pool, counters);

    @AfterEach
    void returnsEveryBuffer() {
        wire.release();
        assertEquals(0, pool.inUse(), "a pooled buffer was not returned");
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + (i >> 9));
        }
        return b;
    }

    private static ByteBuffer[] segments(byte[]... parts) {
        ByteBuffer[] b = new ByteBuffer[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = ByteBuffer.wrap(parts[i]);
        }
        return b;
    }

    /** Reads plaintext until none is left, in reads of at most {@code chunk} bytes. */
    private byte[] readAll(int chunk) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer dst = ByteBuffer.allocate(chunk);
        int n;
        while ((n = wire.read(dst.clear())) > 0) {
            out.write(dst.array(), 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void shouldSealOneWritesWorthOfSmallFramesInOneRecord() throws Exception {
        byte[][] frames = new byte[40][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = pattern(24 + i);
        }
        ByteBuffer[] srcs = segments(frames);
        long total = Arrays.stream(frames).mapToLong(f -> f.length).sum();
        assertEquals(total, wire.write(srcs, 0, srcs.length));
        assertEquals(1, protection.sealedLengths.size(), "one record for one write");
        byte[] onWire = channel.written.toByteArray();
        assertEquals(HEADER_LENGTH + total + XorTagProtection.TAG_LENGTH, onWire.length);
        assertArrayEquals(FrameReaderTest.concat(frames), new XorTagProtection(0x5A, 0x80, 3).openAll(onWire));
    }

    @Test
    void shouldCutALargeWriteIntoRecordsOfAtMostTheLargestBody() throws Exception {
        byte[] big = pattern(200_000);
        assertEquals(big.length, wire.write(segments(big), 0, 1));
        int maxPlain = 65_535 - XorTagProtection.TAG_LENGTH;
        assertEquals(4, protection.sealedLengths.size());
        assertTrue(protection.sealedLengths.stream().allMatch(n -> n <= maxPlain), protection.sealedLengths.toString());
        assertArrayEquals(big, new XorTagProtection(0x5A, 0x80, 3).openAll(channel.written.toByteArray()));
        assertEquals(1, counters.read(LoopCounters.NOISE_REKEYS), "every third record rekeys in this toy");
    }

    @Test
    void shouldKeepSealedBytesTheSocketDidNotTakeAndWriteThemFirst() throws Exception {
        channel.writeLimit = 10;
        byte[] a = pattern(500);
        assertEquals(a.length, wire.write(segments(a), 0, 1), "sealed whole, though the socket took 10 bytes");
        assertTrue(wire.hasPendingOutput());
        byte[] b = pattern(300);
        assertEquals(0, wire.write(segments(b), 0, 1), "nothing new is sealed while older records wait");
        channel.writeLimit = Integer.MAX_VALUE;
        assertTrue(wire.flushOutput());
        assertFalse(wire.hasPendingOutput());
        assertEquals(b.length, wire.write(segments(b), 0, 1));
        assertArrayEquals(FrameReaderTest.concat(a, b),
            new XorTagProtection(0x5A, 0x80, 3).openAll(channel.written.toByteArray()));
    }

    @Test
    void shouldOpenRecordsCutAtAnyByteIntoBuffersOfAnySize() throws Exception {
        XorTagProtection peer = new XorTagProtection(0x5A, 0x80, 3);
        byte[] plain = pattern(70_000);
        byte[] stream = FrameReaderTest.concat(peer.sealedRecord(Arrays.copyOf(plain, 10)),
            peer.sealedRecord(Arrays.copyOfRange(plain, 10, 65_000)),
            peer.sealedRecord(Arrays.copyOfRange(plain, 65_000, 70_000)));
        for (int readLimit : new int[] {1, 2, 3, 7, 1000, 65_538, Integer.MAX_VALUE}) {
            for (int chunk : new int[] {1, 100, 64 * 1024}) {
                XorTagProtection opener = new XorTagProtection(0x5A, 0x80, 3);
                MemoryChannel in = new MemoryChannel();
                in.readLimit = readLimit;
                in.arrive(stream);
                RecordWire reader = new RecordWire(opener, in, pool, counters);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteBuffer dst = ByteBuffer.allocate(chunk);
                for (int reads = 0; out.size() < plain.length; reads++) {
                    assertTrue(reads < 10_000_000, "no progress");
                    int n = reader.read(dst.clear());
                    out.write(dst.array(), 0, n);
                }
                assertArrayEquals(plain, out.toByteArray(), "reads of " + readLimit + " into " + chunk);
                assertFalse(reader.hasBufferedInput());
                reader.release();
            }
        }
    }

    @Test
    void shouldTakeBytesFedAtTheSwitchBeforeTheSocket() throws Exception {
        XorTagProtection peer = new XorTagProtection(0x5A, 0x80, 3);
        byte[] first = peer.sealedRecord(pattern(50));
        byte[] second = peer.sealedRecord(pattern(60));
        wire.feed(ByteBuffer.wrap(first, 0, 20));
        assertTrue(wire.hasPartialRecord());
        assertFalse(wire.hasBufferedInput());
        channel.arrive(Arrays.copyOfRange(first, 20, first.length));
        channel.arrive(second);
        assertArrayEquals(FrameReaderTest.concat(pattern(50), pattern(60)), readAll(4096));
        assertFalse(wire.hasPartialRecord());
    }

    @Test
    void shouldReportAPartialRecordAtTheEndOfTheStream() throws Exception {
        byte[] record = new XorTagProtection(0x5A, 0x80, 3).sealedRecord(pattern(40));
        channel.arrive(Arrays.copyOf(record, 30));
        channel.endOfStream = true;
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(0, wire.read(dst));
        assertEquals(-1, wire.read(dst));
        assertTrue(wire.hasPartialRecord());
        assertEquals("30 of 47 bytes of a record", wire.describePartial());
    }

    @Test
    void shouldRefuseATamperedRecord() {
        byte[] record = new XorTagProtection(0x5A, 0x80, 3).sealedRecord(pattern(40));
        record[HEADER_LENGTH + 5] ^= 1;
        channel.arrive(record);
        RecordWire.RecordFailure e = assertThrows(RecordWire.RecordFailure.class,
            () -> wire.read(ByteBuffer.allocate(100)));
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, e.code());
        assertEquals("a sealed record of 44 bytes failed authentication: it was modified, dropped, reordered or "
            + "replayed on the way (tag mismatch on record 0)", e.getMessage());
    }

    @Test
    void shouldRefuseReorderedOrReplayedRecords() {
        XorTagProtection peer = new XorTagProtection(0x5A, 0x80, 3);
        byte[] first = peer.sealedRecord(pattern(10));
        byte[] second = peer.sealedRecord(pattern(10));
        channel.arrive(FrameReaderTest.concat(second, first));
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, assertThrows(RecordWire.RecordFailure.class,
            () -> wire.read(ByteBuffer.allocate(100))).code());

        MemoryChannel replay = new MemoryChannel();
        replay.arrive(FrameReaderTest.concat(first, first));
        RecordWire reader = new RecordWire(new XorTagProtection(0x5A, 0x80, 3), replay, pool, counters);
        ByteBuffer dst = ByteBuffer.allocate(100);
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, assertThrows(RecordWire.RecordFailure.class,
            () -> reader.read(dst)).code());
        assertEquals(10, dst.position(), "the first copy opened; its replay did not");
        reader.release();
    }

    @Test
    void shouldRefuseFlagsTheProtectionDoesNotOwn() {
        byte[] record = new XorTagProtection(0x5A, 0x80, 3).sealedRecord(pattern(10));
        record[0] = 0x40;
        channel.arrive(record);
        RecordWire.RecordFailure e = assertThrows(RecordWire.RecordFailure.class,
            () -> wire.read(ByteBuffer.allocate(100)));
        assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
        assertEquals("record with flags 0x40: no sender sets those bits", e.getMessage());
    }

    @Test
    void shouldRefuseABodyWithoutPlaintext() {
        channel.arrive(new byte[] {0, 0, XorTagProtection.TAG_LENGTH, 1, 2, 3, 4});
        RecordWire.RecordFailure e = assertThrows(RecordWire.RecordFailure.class,
            () -> wire.read(ByteBuffer.allocate(100)));
        assertEquals(ErrorCode.MALFORMED_FRAME, e.code());
        assertEquals("record body of 4 bytes: a sealed record carries at least one byte of plaintext and its 4 bytes"
            + " of overhead", e.getMessage());
    }

    @Test
    void shouldHoldNoBufferWhenIdle() throws Exception {
        channel.arrive(new XorTagProtection(0x5A, 0x80, 3).sealedRecord(pattern(10)));
        assertEquals(10, readAll(100).length);
        wire.write(segments(pattern(10)), 0, 1);
        assertEquals(0, wire.heldBytes());
        assertEquals(0, pool.inUse());
    }
}
