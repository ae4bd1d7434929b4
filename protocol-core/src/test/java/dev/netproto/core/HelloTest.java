package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HelloTest {
    @Test
    void shouldRoundTripEveryOption() throws Exception {
        Hello hello = new Hello(new byte[] {1, 2}, 1 << 20, List.of("noise", "none"), List.of("lz4"),
            List.of("Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XX_25519_AESGCM_SHA256"));
        ByteBuffer b = ByteBuffer.allocate(hello.encodedLength() + 3);
        hello.encode(b, 3);
        Hello back = Hello.decode(b, 3, hello.encodedLength());
        assertArrayEquals(new byte[] {1, 2}, back.versions());
        assertEquals(1 << 20, back.maxFrameLength());
        assertEquals(List.of("noise", "none"), back.security());
        assertEquals(List.of("lz4"), back.compression());
        assertEquals(List.of("Noise_XX_25519_ChaChaPoly_SHA256", "Noise_XX_25519_AESGCM_SHA256"),
            back.securityParameters());
    }

    @Test
    void shouldEncodeTheDocumentedBytes() {
        Hello hello = new Hello(new byte[] {1}, 65_536, List.of("none"), List.of(), List.of());
        ByteBuffer b = ByteBuffer.allocate(hello.encodedLength());
        hello.encode(b, 0);
        // docs/PROTOCOL.md, "HELLO example": versions [1], max 65536, security [none], compression [].
        byte[] expected = {
            0, 1, 0, 1, 1,
            0, 2, 0, 4, 0, 1, 0, 0,
            0, 3, 0, 5, 4, 'n', 'o', 'n', 'e',
            0, 4, 0, 0};
        assertArrayEquals(expected, b.array());
    }

    @Test
    void shouldSkipUnknownOptions() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put(new byte[] {0, 99, 0, 2, 7, 7});
        b.put(new byte[] {0, 1, 0, 1, 1, 0, 2, 0, 4, 0, 0, 16, 0, 0, 3, 0, 5, 4, 'n', 'o', 'n', 'e'});
        Hello hello = Hello.decode(b, 0, b.position());
        assertEquals(4096, hello.maxFrameLength());
        assertEquals(List.of(), hello.compression());
    }

    @Test
    void shouldRefuseMissingRepeatedAndTruncatedOptions() {
        assertMalformed(new byte[] {0, 1, 0, 1, 1}, "lacks a required option");
        assertMalformed(new byte[] {0, 1, 0, 1, 1, 0, 1, 0, 1, 1}, "repeated");
        assertMalformed(new byte[] {0, 2, 0, 8, 0, 0}, "claims 8 bytes");
        assertMalformed(new byte[] {0, 3}, "truncated");
        assertMalformed(new byte[] {0, 3, 0, 2, 5, 'x'}, "bad length byte");
        assertMalformed(new byte[] {0, 3, 0, 2, 1, '\n'}, "not printable");
        assertMalformed(new byte[] {0, 2, 0, 4, (byte) 0x80, 0, 0, 0}, "negative");
    }

    private static void assertMalformed(byte[] payload, String reason) {
        Hello.MalformedHello e = assertThrows(Hello.MalformedHello.class,
            () -> Hello.decode(ByteBuffer.wrap(payload), 0, payload.length));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
