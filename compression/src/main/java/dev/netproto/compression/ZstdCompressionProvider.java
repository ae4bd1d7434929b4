package dev.netproto.compression;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code zstd} algorithm: one Zstandard frame per netproto frame (RFC 8878 format, with the content size in
 * the frame header and no checksum: the netproto frame states the length, and the transport or the Noise session
 * protects the bytes), at level {@value #LEVEL_DEFAULT} unless {@value #LEVEL_PROP_NAME} says otherwise. Exactly
 * one frame: zstd's decoder would also take skippable frames and further frames after the first, which
 * {@link #decompress} refuses (docs/PROTOCOL.md section 5.1).
 *
 * <p><b>Native code.</b> zstd-jni's bundled library, loaded once on first use. zstd has no pure-Java fallback
 * here: where the library does not load, {@link #isAvailable()} is {@code false} after one warning naming the
 * platform, and the core does not offer {@code zstd}.
 *
 * <p><b>Threading and allocation.</b> A zstd context (about 100 KiB to a few MiB of native memory, depending on
 * the level and the largest frame seen) must not be shared between threads and is costly to create, so each
 * calling thread gets its own pair (compression and decompression), made on its first call and kept in a
 * {@link ThreadLocal}; the garbage collector does not free them, so {@link #onThreadExit()} does, and the core
 * calls it as each event loop ends. Calls with direct buffers allocate nothing. With heap buffers, zstd-jni's
 * binding for JDK 22+ (the foreign-function API) allocates about 200 bytes per call to wrap the arrays (its JNI
 * binding for JDK 21 does not). A compression that mixes a heap buffer with a direct one, and any call whose
 * source is a read-only heap buffer, go through temporary arrays (zstd-jni has no call for those). The core passes
 * direct buffers.
 */
public final class ZstdCompressionProvider implements CompressionProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = "zstd";
    /** System property: the compression level, from zstd's fastest negative levels up to 22. */
    public static final String LEVEL_PROP_NAME = "netproto.compression.zstd.level";
    /**
     * Default of {@value #LEVEL_PROP_NAME}: zstd's own default, a good ratio at a few hundred MB/s (see
     * docs/COMPRESSION.md).
     */
    public static final int LEVEL_DEFAULT = 3;

    /** The calling thread's contexts, created on its first call. */
    private static final ThreadLocal<Contexts> CONTEXTS = new ThreadLocal<>();

    /** Creates the provider; called by {@link java.util.ServiceLoader}. Loads nothing: that happens on first use. */
    public ZstdCompressionProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean isAvailable() {
        return Impl.AVAILABLE;
    }

    /** {@inheritDoc} zstd's {@code ZSTD_COMPRESSBOUND}, computed here so that it needs no native call. */
    @Override
    public int maxCompressedLength(int length) {
        long margin = length < (128 << 10) ? ((128 << 10) - length) >> 11 : 0;
        return Buffers.bound(length, (long) length + (length >> 8) + margin, NAME);
    }

    @Override
    public int compress(ByteBuffer src, ByteBuffer dst) {
        int length = src.remaining();
        Buffers.checkRoom(dst, maxCompressedLength(length), "maxCompressedLength");
        ZstdCompressCtx ctx = contexts().compress;
        int written;
        if (src.isDirect() && dst.isDirect()) {
            written = ctx.compressDirectByteBuffer(dst, dst.position(), dst.remaining(), src, src.position(),
                length);
        } else if (src.hasArray() && dst.hasArray()) {
            written = ctx.compressByteArray(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining(),
                src.array(), src.arrayOffset() + src.position(), length);
        } else {
            byte[] out = new byte[maxCompressedLength(length)];
            written = ctx.compressByteArray(out, 0, out.length, Buffers.copy(src), 0, length);
            dst.put(dst.position(), out, 0, written);
        }
        src.position(src.limit());
        dst.position(dst.position() + written);
        return written;
    }

    @Override
    public void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength) {
        Buffers.checkRoom(dst, uncompressedLength, "uncompressedLength");
        ZstdDecompressCtx ctx = contexts().decompress;
        int produced;
        try {
            checkOneFrame(src, uncompressedLength);
            produced = decompress(ctx, src, dst, uncompressedLength);
        } catch (ZstdException e) {
            if (e.getErrorCode() == Impl.DST_TOO_SMALL) {
                throw CompressionException.overrun(NAME, uncompressedLength);
            }
            throw CompressionException.corrupt(NAME, uncompressedLength, e.getMessage(), e);
        }
        if (produced != uncompressedLength) {
            throw CompressionException.underrun(NAME, uncompressedLength, produced);
        }
        src.position(src.limit());
        dst.position(dst.position() + produced);
    }

    /**
     * Refuses anything but exactly one Zstandard frame: data that starts otherwise (a skippable frame, say), and
     * bytes after the first frame, even a whole second frame, which zstd's decoder would decode on. Reads only the
     * frame and block headers.
     *
     * @throws ZstdException if zstd cannot parse the frame (the caller reports it as corrupt data)
     */
    private static void checkOneFrame(ByteBuffer src, int claim) {
        int p = src.position();
        int length = src.remaining();
        if (length < 4 || src.get(p) != (byte) 0x28 || src.get(p + 1) != (byte) 0xB5 || src.get(p + 2) != (byte) 0x2F
            || src.get(p + 3) != (byte) 0xFD) {
            throw CompressionException.corrupt(NAME, claim, "the data does not start with a Zstandard frame (magic"
                + " 28 b5 2f fd)", null);
        }
        long frame;
        if (src.isDirect()) {
            frame = Zstd.findDirectByteBufferFrameCompressedSize(src, p, length);
            if (Zstd.isError(frame)) {
                throw CompressionException.corrupt(NAME, claim, Zstd.getErrorName(frame), null);
            }
        } else if (src.hasArray()) {
            frame = Zstd.findFrameCompressedSize(src.array(), src.arrayOffset() + p, length);
        } else {
            frame = Zstd.findFrameCompressedSize(Buffers.copy(src));
        }
        if (frame != length) {
            throw CompressionException.corrupt(NAME, claim, (length - frame)
                + " bytes follow the end of the Zstandard frame", null);
        }
    }

    /** Decompresses with the output capacity set to the claim, so that zstd fails rather than writes further. */
    private static int decompress(ZstdDecompressCtx ctx, ByteBuffer src, ByteBuffer dst, int claim) {
        int srcLength = src.remaining();
        if (src.isDirect()) {
            if (dst.isDirect()) {
                return ctx.decompressDirectByteBuffer(dst, dst.position(), claim, src, src.position(), srcLength);
            }
            return ctx.decompressDirectByteBufferToByteArray(dst.array(), dst.arrayOffset() + dst.position(),
                claim, src, src.position(), srcLength);
        }
        byte[] in;
        int inOffset;
        if (src.hasArray()) {
            in = src.array();
            inOffset = src.arrayOffset() + src.position();
        } else {
            in = Buffers.copy(src);
            inOffset = 0;
        }
        if (dst.isDirect()) {
            return ctx.decompressByteArrayToDirectByteBuffer(dst, dst.position(), claim, in, inOffset, srcLength);
        }
        return ctx.decompressByteArray(dst.array(), dst.arrayOffset() + dst.position(), claim, in, inOffset,
            srcLength);
    }

    @Override
    public void onThreadExit() {
        Contexts contexts = CONTEXTS.get();
        if (contexts != null) {
            CONTEXTS.remove();
            contexts.close();
        }
    }

    private static Contexts contexts() {
        Contexts contexts = CONTEXTS.get();
        if (contexts == null) {
            if (!Impl.AVAILABLE) {
                throw Buffers.unavailable(NAME);
            }
            contexts = new Contexts(Impl.LEVEL);
            CONTEXTS.set(contexts);
        }
        return contexts;
    }

    /** One thread's zstd contexts. Used by that thread only. */
    private static final class Contexts {
        final ZstdCompressCtx compress;
        final ZstdDecompressCtx decompress;

        Contexts(int level) {
            compress = new ZstdCompressCtx().setLevel(level).setChecksum(false).setContentSize(true);
            decompress = new ZstdDecompressCtx();
        }

        void close() {
            try {
                compress.close();
            } finally {
                decompress.close();
            }
        }
    }

    /** Loads the native library on first use (class initialisation runs once, thread-safely). */
    private static final class Impl {
        private static final Logger LOG = LoggerFactory.getLogger(ZstdCompressionProvider.class);

        static final boolean AVAILABLE;
        /** zstd's error code for "destination buffer too small", as zstd-jni reports it. */
        static final long DST_TOO_SMALL;
        static final int LEVEL;

        static {
            Long code = NativeLoader.load(LOG, NAME, "the native zstd library", "zstd will not be offered",
                Impl::selfTest);
            AVAILABLE = code != null;
            DST_TOO_SMALL = code == null ? 0 : code;
            LEVEL = level();
        }

        private Impl() {
        }

        /**
         * Loads the library, round-trips a sample, and learns the error code of a too-small output from zstd
         * itself (zstd-jni's {@code errDstSizeTooSmall()} returns the raw result, not the code its exceptions
         * carry).
         */
        private static Long selfTest() {
            byte[] sample = new byte[1000];
            try (ZstdCompressCtx compress = new ZstdCompressCtx();
                 ZstdDecompressCtx decompress = new ZstdDecompressCtx()) {
                byte[] compressed = new byte[2000];
                int length = compress.compressByteArray(compressed, 0, compressed.length, sample, 0, sample.length);
                byte[] restored = new byte[sample.length];
                if (decompress.decompressByteArray(restored, 0, restored.length, compressed, 0, length)
                    != sample.length) {
                    throw new IllegalStateException("zstd self-test: round trip lost bytes");
                }
                try {
                    decompress.decompressByteArray(restored, 0, 10, compressed, 0, length);
                } catch (ZstdException expected) {
                    return expected.getErrorCode();
                }
                throw new IllegalStateException("zstd self-test: a too-small output was not refused");
            }
        }

        private static int level() {
            String value = System.getProperty(LEVEL_PROP_NAME);
            if (value == null) {
                return LEVEL_DEFAULT;
            }
            try {
                int level = Integer.parseInt(value.strip());
                if (level >= -(1 << 17) && level <= 22 && level != 0) {
                    return level;
                }
            } catch (NumberFormatException ignore) {
                // Reported below, with the accepted range.
            }
            LOG.warn("{}: {}={} is not a level from -131072 to 22 (0 excluded); using {}", NAME, LEVEL_PROP_NAME,
                value, LEVEL_DEFAULT);
            return LEVEL_DEFAULT;
        }
    }
}
