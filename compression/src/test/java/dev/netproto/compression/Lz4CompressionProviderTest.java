package dev.netproto.compression;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.spi.CompressionProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class Lz4CompressionProviderTest extends AbstractCompressionProviderTest {
    private final Lz4CompressionProvider provider = new Lz4CompressionProvider();

    @Override
    CompressionProvider provider() {
        return provider;
    }

    @Test
    void shouldUseTheNativeLibraryWhenItLoadsOnThisPlatform() {
        assertTrue(provider.isNative(), "lz4-java ships native code for " + NativeLoader.platform());
    }
}
