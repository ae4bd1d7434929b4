package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CompressibilityTest {
    private static final String[] WORDS = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as",
        "was", "with", "be", "by", "on", "not", "this", "are", "or", "from", "at", "which", "connection", "server"};
    private static final int[] SIZES = {256, 257, 512, 1000, 4096, 65536, 1 << 20};

    private final Compressibility check = new Compressibility();

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] text(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder(size + 32);
        while (text.length() < size) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(10) == 0 ? ". " : " ");
        }
        return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] json(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder json = new StringBuilder(size + 128);
        for (int id = 0; json.length() < size; id++) {
            json.append("{\"id\":").append(id).append(",\"user\":\"user").append(random.nextInt(1000))
                .append("\",\"latencyMs\":").append(random.nextInt(100_000) / 100.0).append("}\n");
        }
        return json.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] deflated(int size, long seed) {
        byte[] source = text(size * 10, seed);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(source);
            deflater.finish();
            byte[] out = new byte[size];
            assertEquals(size, deflater.deflate(out), "enough compressed bytes");
            return out;
        } finally {
            deflater.end();
        }
    }

    @Test
    void shouldJudgeRandomAndCompressedDataIncompressibleWhenAtLeastASampleLong() {
        for (int size : SIZES) {
            for (long seed = 0; seed < 20; seed++) {
                assertFalse(check.likelyCompressible(ByteBuffer.wrap(random(size, seed))), "random " + size);
                if (size <= 65536 && seed < 5) {
                    assertFalse(check.likelyCompressible(ByteBuffer.wrap(deflated(size, seed))), "deflated " + size);
                }
            }
        }
    }

    @Test
    void shouldJudgeTextAndJsonCompressibleWhenAtLeastASampleLong() {
        for (int size : SIZES) {
            for (long seed = 0; seed < 20; seed++) {
                assertTrue(check.likelyCompressible(ByteBuffer.wrap(text(size, seed))), "text " + size);
                assertTrue(check.likelyCompressible(ByteBuffer.wrap(json(size, seed))), "json " + size);
                assertTrue(check.likelyCompressible(ByteBuffer.wrap(new byte[size])), "zeros " + size);
            }
        }
    }

    @Test
    void shouldGiveTheBenefitOfTheDoubtWhenThePayloadIsShorterThanTheSample() {
        for (int size = 0; size < Compressibility.SAMPLE_LENGTH; size++) {
            assertTrue(check.likelyCompressible(ByteBuffer.wrap(random(size, size))), "random " + size);
        }
    }

    @Test
    void shouldJudgeTheWholePayloadWhenItsStartDiffersFromItsBody() {
        byte[] textThenRandom = random(65536, 1);
        System.arraycopy(text(4096, 1), 0, textThenRandom, 0, 4096);
        assertFalse(check.likelyCompressible(ByteBuffer.wrap(textThenRandom)), "a text header before random data");
        byte[] randomThenText = text(65536, 2);
        System.arraycopy(random(4096, 2), 0, randomThenText, 0, 4096);
        assertTrue(check.likelyCompressible(ByteBuffer.wrap(randomThenText)), "random bytes before text");
    }

    @Test
    void shouldReadFromPositionToLimitAndChangeNeither() {
        byte[] text = text(2000, 3);
        byte[] random = random(2000, 3);
        ByteBuffer buffer = ByteBuffer.allocateDirect(5000).put(random).put(text).put(random(1000, 4));
        buffer.position(2000).limit(4000);
        assertTrue(check.likelyCompressible(buffer));
        assertEquals(2000, buffer.position());
        assertEquals(4000, buffer.limit());
        assertFalse(check.likelyCompressible(buffer.duplicate().position(0).limit(2000)));
        assertTrue(check.likelyCompressible(ByteBuffer.wrap(text).asReadOnlyBuffer()));
        ByteBuffer slice = ByteBuffer.allocate(3000).position(500).slice().put(random).flip();
        assertFalse(check.likelyCompressible(slice));
    }

    @Test
    void shouldGiveTheSameAnswerWhenCalledAgainOnOtherData() {
        ByteBuffer random = ByteBuffer.wrap(random(8192, 5));
        ByteBuffer text = ByteBuffer.wrap(text(8192, 5));
        double randomBits = check.bitsPerByte(random);
        double textBits = check.bitsPerByte(text);
        for (int i = 0; i < 100; i++) {
            assertEquals(randomBits, check.bitsPerByte(random));
            assertEquals(textBits, check.bitsPerByte(text));
            check.bitsPerByte(ByteBuffer.wrap(random(100 + i, i)));
            assertFalse(check.likelyCompressible(random));
            assertTrue(check.likelyCompressible(text));
        }
    }

    @Test
    void shouldEstimateTheEntropyExactlyWhenTheCountsAreKnown() {
        assertEquals(0, check.bitsPerByte(ByteBuffer.allocate(0)));
        assertEquals(0, check.bitsPerByte(ByteBuffer.allocate(100_000)), 1e-9);
        byte[] everyValueOnce = new byte[256];
        for (int i = 0; i < 256; i++) {
            everyValueOnce[i] = (byte) i;
        }
        assertEquals(8, check.bitsPerByte(ByteBuffer.wrap(everyValueOnce)), 1e-3);
        byte[] twoValues = new byte[100_000];
        for (int i = 0; i < twoValues.length; i++) {
            twoValues[i] = (byte) (i % 2 == 0 ? 'a' : 'b');
        }
        assertEquals(1, check.bitsPerByte(ByteBuffer.wrap(twoValues)), 1e-3);
        assertEquals(1, check.bitsPerByte(ByteBuffer.wrap(twoValues, 0, 100)), 1e-3);
        double randomBits = check.bitsPerByte(ByteBuffer.wrap(random(1 << 20, 6)));
        assertTrue(randomBits > 7.0 && randomBits < 7.5, "random, biased low on 256 bytes: " + randomBits);
    }

    @Test
    void shouldFollowItsThresholdWhenOneIsGiven() {
        ByteBuffer text = ByteBuffer.wrap(text(4096, 7));
        assertFalse(new Compressibility(0).likelyCompressible(text));
        assertTrue(new Compressibility(8).likelyCompressible(ByteBuffer.wrap(random(4096, 7))));
        assertEquals(Compressibility.MAX_BITS_PER_BYTE_DEFAULT, check.maxBitsPerByte());
        assertThrows(IllegalArgumentException.class, () -> new Compressibility(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new Compressibility(8.1));
        assertThrows(IllegalArgumentException.class, () -> new Compressibility(Double.NaN));
    }
}
