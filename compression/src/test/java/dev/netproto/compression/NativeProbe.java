package dev.netproto.compression;

import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Run by {@link NativeLoaderTest} in a JVM of its own: prints what each provider reports, twice. */
final class NativeProbe {

    private NativeProbe() {
    }

    public static void main(String[] args) {
        Lz4CompressionProvider lz4 = new Lz4CompressionProvider();
        ZstdCompressionProvider zstd = new ZstdCompressionProvider();
        for (int i = 0; i < 2; i++) {
            System.out.println("lz4 available=" + lz4.isAvailable() + " native=" + lz4.isNative() + " round-trip="
                + roundTrip(lz4));
            System.out.println("zstd available=" + zstd.isAvailable() + " " + new ZstdCompressionProvider()
                .isAvailable());
            try {
                zstd.compress(ByteBuffer.allocate(1), ByteBuffer.allocate(100));
            } catch (IllegalStateException e) {
                System.out.println("zstd compress: " + e);
            }
        }
    }

    private static String roundTrip(CompressionProvider provider) {
        byte[] data = "netproto netproto netproto netproto".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer compressed = ByteBuffer.allocate(provider.maxCompressedLength(data.length));
        provider.compress(ByteBuffer.wrap(data), compressed);
        ByteBuffer out = ByteBuffer.allocate(data.length);
        provider.decompress(compressed.flip(), out, data.length);
        return new String(out.array(), StandardCharsets.US_ASCII).equals(new String(data, StandardCharsets.US_ASCII))
            ? "ok" : "wrong";
    }
}
