package dev.netproto.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.spi.CompressionProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CompressionProvidersTest {

    @Test
    void shouldFindLz4ZstdAndDeflateWhenLoadedThroughServiceLoader() {
        // This test runs inside dev.netproto.compression, which provides the service but does not use it.
        CompressionProvidersTest.class.getModule().addUses(CompressionProvider.class);
        Map<String, CompressionProvider> found = new TreeMap<>();
        for (CompressionProvider provider : ServiceLoader.load(CompressionProvider.class)) {
            found.put(provider.name(), provider);
        }
        assertEquals("[deflate, lz4, zstd]", found.keySet().toString());
        found.values().forEach(p -> assertTrue(p.isAvailable(), p.name()));
        assertEquals(Lz4CompressionProvider.class, found.get("lz4").getClass());
        assertEquals(ZstdCompressionProvider.class, found.get("zstd").getClass());
    }
}
