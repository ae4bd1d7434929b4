package dev.netproto.compression;

import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code lz4} algorithm: one LZ4 <em>block</em> per frame (the LZ4 block format, without the LZ4 frame
 * header, checksum or stored length: the netproto frame states the uncompressed length), compressed with LZ4's
 * fast compressor, decompressed with lz4-java's bounds-checking ("safe") decompressor.
 *
 * <p><b>Implementation.</b> lz4-java's JNI binding to the C library when its native code loads for this
 * platform, else lz4-java's pure-Java implementation (same format; measured here at roughly half the native
 * compression speed and a quarter of its decompression speed), chosen once on first use and announced by one
 * warning. We chose the fallback over reporting {@code lz4} unavailable because the pure-Java code still
 * compresses faster than {@code deflate} and keeps a peer that prefers {@code lz4} talking to us compressed.
 * lz4-java's {@code sun.misc.Unsafe} variant is not used: lz4-java itself now routes it to the safe one. Set
 * {@value #NATIVE_PROP_NAME}{@code =false} to force the pure-Java code (to measure it, or to avoid loading native
 * code).
 *
 * <p><b>Threading and allocation.</b> Stateless: lz4-java's compressor and decompressor are thread-safe, so
 * any thread may call. Nothing is allocated on the Java heap per call. (The native compressor clears a 16 KiB hash
 * table on the C stack per call, a visible part of the cost of small frames; lz4-java's
 * {@code fastResetCompressor} avoids that but is single-threaded and must be closed, so it would need the
 * per-thread handling of {@code zstd}.)
 */
public final class Lz4CompressionProvider implements CompressionProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = "lz4";
    /** System property: {@code false} forces lz4-java's pure-Java implementation even where native code loads. */
    public static final String NATIVE_PROP_NAME = "netproto.compression.lz4.native";
    /** Default of {@value #NATIVE_PROP_NAME}: use the native code where it loads. */
    public static final boolean NATIVE_DEFAULT = true;

    /** Creates the provider; called by {@link java.util.ServiceLoader}. Loads nothing: that happens on first use. */
    public Lz4CompressionProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean isAvailable() {
        return Impl.COMPRESSOR != null;
    }

    /**
     * Tells which implementation is in use, for diagnostics and benchmarks.
     *
     * @return {@code true} for the JNI binding to the C library, {@code false} for the pure-Java code (or none)
     */
    public boolean isNative() {
        return Impl.NATIVE;
    }

    /** {@inheritDoc} LZ4's bound: {@code length + length / 255 + 16}. */
    @Override
    public int maxCompressedLength(int length) {
        return Buffers.bound(length, length + length / 255L + 16, NAME);
    }

    @Override
    public int compress(ByteBuffer src, ByteBuffer dst) {
        LZ4Compressor compressor = Impl.COMPRESSOR;
        if (compressor == null) {
            throw Buffers.unavailable(NAME);
        }
        int length = src.remaining();
        Buffers.checkRoom(dst, maxCompressedLength(length), "maxCompressedLength");
        int written = compressor.compress(src, src.position(), length, dst, dst.position(), dst.remaining());
        src.position(src.limit());
        dst.position(dst.position() + written);
        return written;
    }

    @Override
    public void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength) {
        LZ4SafeDecompressor decompressor = Impl.DECOMPRESSOR;
        if (decompressor == null) {
            throw Buffers.unavailable(NAME);
        }
        Buffers.checkRoom(dst, uncompressedLength, "uncompressedLength");
        int produced;
        try {
            // maxDestLen is the claim, not dst.remaining(): the decoder stops with an error at the claim.
            produced = decompressor.decompress(src, src.position(), src.remaining(), dst, dst.position(),
                uncompressedLength);
        } catch (LZ4Exception | IndexOutOfBoundsException e) {
            // LZ4's decoder reports "output would pass maxDestLen" and "malformed" with the same error, so the
            // two cannot be told apart. The pure-Java decoder may report a bad offset as an index failure.
            throw CompressionException.corrupt(NAME, uncompressedLength,
                "not an LZ4 block, or one that decompresses to more than the claimed length (" + e.getMessage()
                    + ")", e);
        }
        if (produced != uncompressedLength) {
            throw CompressionException.underrun(NAME, uncompressedLength, produced);
        }
        src.position(src.limit());
        dst.position(dst.position() + produced);
    }

    /** Chooses the implementation on first use (class initialisation runs once, thread-safely). */
    private static final class Impl {
        private static final Logger LOG = LoggerFactory.getLogger(Lz4CompressionProvider.class);

        static final LZ4Compressor COMPRESSOR;
        static final LZ4SafeDecompressor DECOMPRESSOR;
        static final boolean NATIVE;

        static {
            LZ4Factory factory = null;
            boolean tryNative = Boolean.parseBoolean(System.getProperty(NATIVE_PROP_NAME,
                Boolean.toString(NATIVE_DEFAULT)));
            if (tryNative) {
                // nativeInstance() loads the library and round-trips a sample through it before returning.
                factory = NativeLoader.load(LOG, NAME, "the native LZ4 library",
                    "using lz4-java's pure-Java implementation instead (same format, slower)",
                    LZ4Factory::nativeInstance);
            }
            NATIVE = factory != null;
            if (factory == null) {
                factory = NativeLoader.load(LOG, NAME, "lz4-java's pure-Java implementation",
                    "lz4 will not be offered", LZ4Factory::safeInstance);
            }
            COMPRESSOR = factory == null ? null : factory.fastCompressor();
            DECOMPRESSOR = factory == null ? null : factory.safeDecompressor();
        }

        private Impl() {
        }
    }
}
