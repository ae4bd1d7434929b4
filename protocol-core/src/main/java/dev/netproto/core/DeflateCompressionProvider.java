package dev.netproto.core;

import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.slf4j.LoggerFactory;

/**
 * The {@code deflate} algorithm, on the JDK's {@link Deflater} and {@link Inflater} (zlib): the pure-Java
 * fallback, always available, for peers or platforms without {@code lz4} or {@code zstd}.
 *
 * <p><b>Format.</b> Raw DEFLATE (RFC 1951): no zlib header and no Adler-32 trailer (RFC 1950). The netproto frame
 * states the uncompressed length, and the transport or the Noise session protects the bytes, so the 6 bytes of
 * zlib framing would only add size and a checksum pass. Level {@value #LEVEL_DEFAULT} unless
 * {@value #LEVEL_PROP_NAME} says otherwise.
 *
 * <p><b>Threading.</b> {@code Deflater} and {@code Inflater} are not thread-safe and hold native zlib state
 * (about 256 KiB and 40 KiB). Each calling thread therefore gets its own pair, made on its first call and kept in
 * a {@link ThreadLocal}; event loops are long-lived threads, so that is one pair per loop. {@link #onThreadExit()}
 * calls {@code end()} on both, freeing the native memory at once; the core calls it as each loop ends. (A pair
 * whose thread ended without it is freed by the JDK's cleaner once unreachable.) Compressing and decompressing
 * allocate nothing per call: the buffers are passed to zlib as they are, and the one-byte probe used to check for
 * surplus output is part of the thread's state.
 */
public final class DeflateCompressionProvider implements CompressionProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = "deflate";
    /** System property: the compression level, 1 (fastest) to 9 (smallest). */
    public static final String LEVEL_PROP_NAME = "netproto.compression.deflate.level";
    /** Default of {@value #LEVEL_PROP_NAME}: zlib's fastest level; see docs/COMPRESSION.md. */
    public static final int LEVEL_DEFAULT = 1;

    /** The level, read once. */
    private static final int LEVEL = level();
    /** The calling thread's zlib state, created on its first call. */
    private static final ThreadLocal<State> STATE = new ThreadLocal<>();

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public DeflateCompressionProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * {@inheritDoc} zlib's {@code deflateBound()} for its default window and memory settings, without the zlib
     * wrapper, plus 8 bytes of margin for zlib variants: at most 0.03% above the input.
     */
    @Override
    public int maxCompressedLength(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
        long bound = (long) length + (length >> 12) + (length >> 14) + (length >> 25) + 7 + 8;
        if (bound > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(NAME + ": length " + length + " is too large to compress");
        }
        return (int) bound;
    }

    @Override
    public int compress(ByteBuffer src, ByteBuffer dst) {
        int length = src.remaining();
        int room = maxCompressedLength(length);
        checkRoom(dst, room, "maxCompressedLength");
        Deflater deflater = state().deflater;
        int start = dst.position();
        try {
            deflater.setInput(src);
            deflater.finish();
            while (!deflater.finished()) {
                if (deflater.deflate(dst) == 0 && !deflater.finished()) {
                    throw new IllegalStateException(NAME + ": output did not fit in " + room
                        + " bytes, the bound for " + length + "; a bug in the bound");
                }
            }
        } finally {
            deflater.reset();
        }
        return dst.position() - start;
    }

    @Override
    public void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength) {
        checkRoom(dst, uncompressedLength, "uncompressedLength");
        State state = state();
        Inflater inflater = state.inflater;
        int srcStart = src.position();
        int start = dst.position();
        int limit = dst.limit();
        boolean done = false;
        // The limit is the claim: zlib writes up to the limit and no further.
        dst.limit(start + uncompressedLength);
        try {
            inflater.setInput(src);
            // Each call inflates until the output is full, the input runs out, or the stream ends; zlib returns
            // 0 only when no progress is possible, which ends the loop.
            while (dst.hasRemaining() && !inflater.finished()) {
                if (inflater.inflate(dst) == 0) {
                    break;
                }
            }
            int produced = dst.position() - start;
            if (!inflater.finished()) {
                if (produced < uncompressedLength) {
                    throw CompressionException.corrupt(NAME, uncompressedLength, "the stream ends early, after "
                        + produced + " bytes (truncated)", null);
                }
                // Output is full at the claim: one more byte of room tells whether the stream ends here.
                if (inflater.inflate(state.probe, 0, 1) > 0) {
                    throw CompressionException.overrun(NAME, uncompressedLength);
                }
                if (!inflater.finished()) {
                    throw CompressionException.corrupt(NAME, uncompressedLength,
                        "the stream does not end after the claimed length (truncated)", null);
                }
            } else if (produced < uncompressedLength) {
                throw CompressionException.underrun(NAME, uncompressedLength, produced);
            }
            if (inflater.getRemaining() > 0) {
                throw CompressionException.corrupt(NAME, uncompressedLength, inflater.getRemaining()
                    + " bytes follow the end of the stream", null);
            }
            done = true;
        } catch (DataFormatException e) {
            throw CompressionException.corrupt(NAME, uncompressedLength, String.valueOf(e.getMessage()), e);
        } finally {
            // reset() also drops zlib's reference to src.
            inflater.reset();
            dst.limit(limit);
            if (done) {
                src.position(src.limit());
            } else {
                src.position(srcStart);
                dst.position(start);
            }
        }
    }

    @Override
    public void onThreadExit() {
        State state = STATE.get();
        if (state != null) {
            STATE.remove();
            state.end();
        }
    }

    private static State state() {
        State state = STATE.get();
        if (state == null) {
            state = new State();
            STATE.set(state);
        }
        return state;
    }

    private static void checkRoom(ByteBuffer dst, int needed, String parameter) {
        if (needed < 0) {
            throw new IllegalArgumentException(parameter + " must not be negative: " + needed);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        if (dst.remaining() < needed) {
            throw new IllegalArgumentException("dst has room for " + dst.remaining() + " bytes, fewer than "
                + parameter + " " + needed);
        }
    }

    private static int level() {
        String value = System.getProperty(LEVEL_PROP_NAME);
        if (value == null) {
            return LEVEL_DEFAULT;
        }
        try {
            int level = Integer.parseInt(value.strip());
            if (level >= Deflater.BEST_SPEED && level <= Deflater.BEST_COMPRESSION) {
                return level;
            }
        } catch (NumberFormatException ignore) {
            // Reported below, with the accepted range.
        }
        LoggerFactory.getLogger(DeflateCompressionProvider.class).warn(
            "{}: {}={} is not a level from 1 to 9; using {}", NAME, LEVEL_PROP_NAME, value, LEVEL_DEFAULT);
        return LEVEL_DEFAULT;
    }

    /** One thread's zlib state. Used by that thread only. */
    private static final class State {
        final Deflater deflater = new Deflater(LEVEL, true);
        final Inflater inflater = new Inflater(true);
        /** Room for one byte past the claim, to detect surplus output. */
        final byte[] probe = new byte[1];

        void end() {
            try {
                deflater.end();
            } finally {
                inflater.end();
            }
        }
    }
}
