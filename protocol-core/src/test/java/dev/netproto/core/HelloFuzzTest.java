package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of {@link Hello#decode}: any payload decodes or is refused with {@link Hello.MalformedHello}
 * (any other exception fails the test), and a decoded HELLO encodes to one that decodes equal. Seeds:
 * {@code src/test/resources/dev/netproto/core/HelloFuzzTestInputs/}.
 */
class HelloFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void shouldDecodeOrRefuseWhenGivenAnyPayload(byte[] payload) {
        Hello hello;
        try {
            hello = Hello.decode(ByteBuffer.wrap(payload), 0, payload.length);
        } catch (Hello.MalformedHello expected) {
            return;
        }
        ByteBuffer encoded = ByteBuffer.allocate(hello.encodedLength());
        hello.encode(encoded, 0);
        Hello again;
        try {
            again = Hello.decode(encoded, 0, encoded.capacity());
        } catch (Hello.MalformedHello e) {
            throw new AssertionError("a decoded HELLO re-encodes to a malformed one: " + e.getMessage(), e);
        }
        assertArrayEquals(hello.versions(), again.versions());
        assertEquals(hello.maxFrameLength(), again.maxFrameLength());
        assertEquals(hello.security(), again.security());
        assertEquals(hello.compression(), again.compression());
        assertEquals(hello.securityParameters(), again.securityParameters());
    }
}
