package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.PRE_HELLO_MAX_LENGTH;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Coverage-guided fuzzing of {@link FrameReader}: any bytes, cut into any reads, give frames or one reported
 * protocol error, never an exception, and every pooled buffer goes back (docs/ARCHITECTURE.md, "Fuzzing").
 *
 * <p>Input: byte 0 chooses the reader's state (bit 0 compression negotiated, bit 1 opened with a 1 MiB maximum,
 * bit 2 the stream turns into {@link XorTagProtection} records after the first HANDSHAKE frame, whose plaintext the
 * reader then decodes, bit 3 REQUEST refused by the receiver); byte 1 chooses the
 * chunking (0: one read; else the seed of the read sizes, up to 64 bytes below 128, up to 9000 from 128); the rest is
 * the stream. {@code src/test/resources/dev/netproto/core/FrameReaderFuzzTestInputs/} holds the seeds that every
 * build replays.
 */
class FrameReaderFuzzTest {
    private static final int HEADER = 2;

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final PooledBuffer readBuffer = new PooledBuffer(EventLoop.READ_BUFFER_SIZE, -1);

    @FuzzTest(maxDuration = "30s")
    void shouldReportOnlyProtocolErrorsWhenFedAnyBytes(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        int options = input[0];
        int chunkSeed = input[1] & 0xFF;
        RecordingFrames frames = new RecordingFrames();
        FrameReader reader = new FrameReader(pool, frames, counters, PRE_HELLO_MAX_LENGTH);
        if ((options & 1) != 0) {
            reader.compression("deflate");
        }
        if ((options & 2) != 0) {
            reader.opened(1 << 20);
        }
        RecordWire records = null;
        if ((options & 4) != 0) {
            records = new RecordWire(new XorTagProtection(), new RecordWireTest.MemoryChannel(), pool, counters);
            frames.afterHandshake = reader::switchToRecords;
        }
        if ((options & 8) != 0) {
            frames.refused.add(TYPE_REQUEST);
        }
        SplittableRandom chunks = chunkSeed == 0 ? null : new SplittableRandom(chunkSeed);
        int bound = chunkSeed < 128 ? 64 : 9000;
        readBuffer.buf.clear();
        try {
            int at = HEADER;
            while (at < input.length && frames.accepting) {
                PooledBuffer target = reader.target(readBuffer);
                ByteBuffer buf = target.buf;
                int chunk = chunks == null ? Integer.MAX_VALUE : chunks.nextInt(1, bound + 1);
                int n = Math.min(Math.min(chunk, input.length - at), buf.remaining());
                assertTrue(n > 0, "the reader left no room for the next read at byte " + at);
                buf.put(input, at, n);
                at += n;
                buf.flip();
                reader.read(target);
                if (reader.switchingToRecords()) {
                    reader.handOverRecordBytes(target, records);
                    // From now on the input goes through the record layer, as the connection sends it.
                    at = readRecords(reader, records, frames, input, at);
                    break;
                }
                assertTrue(reader.hasPartialFrame() || readBuffer.buf.position() == 0 || !frames.accepting,
                    "the shared read buffer keeps bytes after a read");
            }
            if (!frames.accepting) {
                String last = frames.events.get(frames.events.size() - 1);
                assertTrue(last.startsWith("error ") || last.startsWith("refused "),
                    "the reader stopped without an error: " + frames.events);
                assertEquals(1, frames.events.stream()
                    .filter(e -> e.startsWith("error ") || e.startsWith("refused ")).count(),
                    "more than one error: " + frames.events);
            }
        } finally {
            reader.release();
            if (records != null) {
                records.release();
            }
        }
        assertFalse(reader.hasPartialFrame(), "the spill buffer was kept after release()");
        assertEquals(0, pool.inUse(), "a pooled buffer was not returned");
    }

    /** Feeds the rest of the input as record bytes and decodes their plaintext; stops at a record failure. */
    private int readRecords(FrameReader reader, RecordWire records, RecordingFrames frames, byte[] input, int at) {
        records.feed(ByteBuffer.wrap(input, at, input.length - at));
        try {
            while (frames.accepting) {
                PooledBuffer target = reader.target(readBuffer);
                int n = records.read(target.buf);
                if (n <= 0) {
                    break;
                }
                target.buf.flip();
                reader.read(target);
            }
        } catch (RecordWire.RecordFailure expected) {
            assertTrue(expected.code() == dev.netproto.api.ErrorCode.MALFORMED_FRAME
                || expected.code() == dev.netproto.api.ErrorCode.AUTHENTICATION_FAILED, expected.toString());
        } catch (java.io.IOException e) {
            throw new AssertionError("the memory channel does not fail", e);
        }
        readBuffer.buf.clear();
        return input.length;
    }
}
