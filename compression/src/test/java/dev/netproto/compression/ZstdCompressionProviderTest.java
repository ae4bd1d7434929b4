package dev.netproto.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.netproto.api.spi.CompressionException;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class ZstdCompressionProviderTest extends AbstractCompressionProviderTest {
    private final ZstdCompressionProvider provider = new ZstdCompressionProvider();

    @Override
    CompressionProvider provider() {
        return provider;
    }

    @Test
    void shouldRefuseWithoutWritingPastTheClaimWhenTheFrameHidesItsContentSize() {
        // A bomb that does not announce its size in the frame header: zstd finds out only while writing.
        byte[] zeros = new byte[1 << 20];
        byte[] frame = new byte[provider.maxCompressedLength(zeros.length)];
        int length;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(3).setContentSize(false)) {
            length = ctx.compressByteArray(frame, 0, frame.length, zeros, 0, zeros.length);
        }
        ByteBuffer src = ByteBuffer.allocateDirect(length).put(frame, 0, length).flip();
        for (boolean direct : new boolean[] {true, false}) {
            ByteBuffer out = guarded(16 * 1024, direct);
            CompressionException e = assertThrows(CompressionException.class,
                () -> provider.decompress(src, out, 16 * 1024));
            assertEquals(CompressionException.UNKNOWN_LENGTH, e.actualLength());
            assertGuardIntact(out, 16 * 1024);
        }
        ByteBuffer out = ByteBuffer.allocateDirect(zeros.length);
        provider.decompress(src, out, zeros.length);
        assertEquals(zeros.length, out.position());
    }
}
