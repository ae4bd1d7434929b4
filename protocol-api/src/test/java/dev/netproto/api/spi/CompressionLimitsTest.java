package dev.netproto.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.NetprotoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CompressionLimitsTest {
    private static final int CAP = CompressionLimits.MAX_RATIO_DEFAULT;

    @Test
    void shouldAllowUpToTheCapAndRefuseOneByteMoreWhenCheckingTheRatio() {
        assertEquals(1024, CAP);
        assertTrue(CompressionLimits.withinRatio(16384, 16384 * 1024, CAP));
        assertFalse(CompressionLimits.withinRatio(16384, 16384 * 1024 + 1, CAP));
        assertTrue(CompressionLimits.withinRatio(0, 0, CAP));
        assertFalse(CompressionLimits.withinRatio(0, 1, CAP));
        assertFalse(CompressionLimits.withinRatio(10, -1, CAP));
        assertTrue(CompressionLimits.withinRatio(Integer.MAX_VALUE, Integer.MAX_VALUE, CAP), "no overflow");
        assertTrue(CompressionLimits.withinRatio(3, Integer.MAX_VALUE, Integer.MAX_VALUE), "no overflow");
        assertTrue(CompressionLimits.withinRatio(100, 100, 1));
        assertFalse(CompressionLimits.withinRatio(100, 101, 1));
    }

    @Test
    void shouldRefuseAGibibyteClaimForA16KibFrameWithAMessageNamingEverything() {
        CompressionException e = assertThrows(CompressionException.class,
            () -> CompressionLimits.checkRatio("zstd", 16384, 1 << 30, CAP));
        assertEquals("zstd", e.algorithm());
        assertEquals(1 << 30, e.claimedLength());
        assertEquals(CompressionException.UNKNOWN_LENGTH, e.actualLength());
        assertEquals("zstd: claimed length is more than 1024 times the compressed length 16384 (the ratio cap); "
            + "refused before decompressing (claimed 1073741824 bytes, actual unknown)", e.getMessage());
        assertTrue(e instanceof NetprotoException, "one catch covers every failure of the toolkit");
        CompressionLimits.checkRatio("zstd", 16384, 16 << 20, CAP);
    }

    @Test
    void shouldRefuseARatioBelowOneWhenGivenOne() {
        assertThrows(IllegalArgumentException.class, () -> CompressionLimits.withinRatio(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> CompressionLimits.checkRatio("lz4", 1, 1, -5));
    }

    @Test
    void shouldNameAlgorithmAndLengthsWhenBuildingTheExceptions() {
        assertEquals("lz4: data decompresses to more than the claimed length (claimed 100 bytes, actual unknown)",
            CompressionException.overrun("lz4", 100).getMessage());
        CompressionException underrun = CompressionException.underrun("deflate", 100, 40);
        assertEquals("deflate: data decompresses to fewer bytes than claimed (claimed 100 bytes, actual 40 bytes)",
            underrun.getMessage());
        assertEquals(40, underrun.actualLength());
        IllegalStateException cause = new IllegalStateException("bad block");
        CompressionException corrupt = CompressionException.corrupt("zstd", 7, "bad block", cause);
        assertEquals("zstd: corrupt data: bad block (claimed 7 bytes, actual unknown)", corrupt.getMessage());
        assertEquals(cause, corrupt.getCause());
    }
}
