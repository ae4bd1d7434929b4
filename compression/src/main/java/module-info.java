/**
 * Compression providers that need native code, in a module of their own so that the core carries none:
 * {@code lz4} (lz4-java, LZ4 block format) and {@code zstd} (zstd-jni, Zstandard frames). The pure-Java
 * {@code deflate} provider lives in the core.
 *
 * <p>The libraries ship their native code for the common platforms inside their jars. Where it does not load,
 * {@code zstd} reports itself unavailable and {@code lz4} falls back to lz4-java's pure-Java implementation; each
 * logs one warning naming the platform. Run with {@code --enable-native-access=org.lz4.java,com.github.luben.zstd_jni}
 * (module path) or {@code --enable-native-access=ALL-UNNAMED} (class path) to allow the native code without a
 * JVM warning.
 */
module dev.netproto.compression {
    requires dev.netproto.api;
    requires org.lz4.java;
    requires com.github.luben.zstd_jni;
    requires org.slf4j;

    provides dev.netproto.api.spi.CompressionProvider with
        dev.netproto.compression.Lz4CompressionProvider,
        dev.netproto.compression.ZstdCompressionProvider;
}
