package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.netproto.api.Limits;
import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HelloNegotiatorTest {
    private static final int MAX = 1 << 20;

    /** A compression provider that only has a name: negotiation never compresses. */
    private record Named(String name) implements CompressionProvider {
        @Override
        public int maxCompressedLength(int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int compress(ByteBuffer src, ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void decompress(ByteBuffer src, ByteBuffer dst, int uncompressedLength) {
            throw new UnsupportedOperationException();
        }
    }

    private final CompressionProvider deflate = new DeflateCompressionProvider();
    private final CompressionProvider lz4 = new Named("lz4");
    private final HelloNegotiator negotiator = new HelloNegotiator(MAX, "none",
        new CompressionProvider[] {deflate, lz4});

    private static Hello hello(byte[] versions, int max, List<String> security, List<String> compression) {
        return new Hello(versions, max, security, compression, List.of());
    }

    private static Hello hello(List<String> security, List<String> compression) {
        return hello(new byte[] {1}, MAX, security, compression);
    }

    @Test
    void shouldOfferEveryVersionItsSecurityAndAllItsCompression() {
        Hello offer = negotiator.offer(List.of("a", "b"));
        assertArrayEquals(new byte[] {FrameDescriptor.VERSION}, offer.versions());
        assertEquals(MAX, offer.maxFrameLength());
        assertEquals(List.of("none"), offer.security());
        assertEquals(List.of("deflate", "lz4"), offer.compression(), "in preference order");
        assertEquals(List.of("a", "b"), offer.securityParameters());
    }

    @Test
    void shouldAnswerWithTheChosenCompressionOrNone() {
        Hello answer = negotiator.answer(lz4, List.of("x"));
        assertArrayEquals(new byte[] {FrameDescriptor.VERSION}, answer.versions());
        assertEquals(MAX, answer.maxFrameLength());
        assertEquals(List.of("none"), answer.security());
        assertEquals(List.of("lz4"), answer.compression());
        assertEquals(List.of("x"), answer.securityParameters());
        assertEquals(List.of(), negotiator.answer(null, List.of()).compression());
    }

    @Test
    void shouldAcceptWhatTheOtherSideOfTheSameConfigurationSends() {
        assertNull(negotiator.check(negotiator.offer(List.of()), false));
        assertNull(negotiator.check(negotiator.answer(deflate, List.of()), true));
        assertNull(negotiator.check(negotiator.answer(null, List.of()), true));
    }

    @Test
    void shouldRefuseAHelloWithoutACommonVersion() {
        Hello peer = hello(new byte[] {2, 3}, MAX, List.of("none"), List.of());
        String expected = "no common protocol version: peer offers [2, 3], this side speaks [1]";
        assertEquals(expected, negotiator.check(peer, false));
        assertEquals(expected, negotiator.check(peer, true));
    }

    @Test
    void shouldRefuseAServerAnswerWithMoreThanOneVersion() {
        Hello peer = hello(new byte[] {1, 2}, MAX, List.of("none"), List.of());
        assertEquals("server answered HELLO with 2 versions instead of one", negotiator.check(peer, true));
        assertNull(negotiator.check(peer, false), "a client may offer several");
    }

    @Test
    void shouldRefuseAHelloWithoutTheRequiredSecurity() {
        assertEquals("no common security: peer offers [tls, noise], this side requires 'none'",
            negotiator.check(hello(List.of("tls", "noise"), List.of()), false));
        assertNull(negotiator.check(hello(List.of("tls", "none"), List.of()), false), "a client offers a list");
        assertEquals("no common security: peer chose [noise], this side requires 'none'",
            negotiator.check(hello(List.of("noise"), List.of()), true));
        assertEquals("no common security: peer chose [none, tls], this side requires 'none'",
            negotiator.check(hello(List.of("none", "tls"), List.of()), true), "a server chooses exactly one");
    }

    @Test
    void shouldRefuseACompressionTheServerCouldNotHaveChosen() {
        assertEquals("server chose compression [deflate, lz4], this side offered [deflate, lz4]",
            negotiator.check(hello(List.of("none"), List.of("deflate", "lz4")), true));
        assertEquals("server chose compression [zstd], this side offered [deflate, lz4]",
            negotiator.check(hello(List.of("none"), List.of("zstd")), true));
        assertNull(negotiator.check(hello(List.of("none"), List.of("lz4")), true));
        assertNull(negotiator.check(hello(List.of("none"), List.of("zstd", "brotli")), false),
            "a client may offer what this side lacks");
    }

    @Test
    void shouldRefuseAMaximumFrameLengthOutsideTheProtocolsRange() {
        List<String> none = List.of("none");
        assertEquals("peer's maximum frame length 1023 is outside 1024..16777216",
            negotiator.check(hello(new byte[] {1}, Limits.MIN_FRAME_LENGTH - 1, none, List.of()), false));
        assertEquals("peer's maximum frame length 16777217 is outside 1024..16777216",
            negotiator.check(hello(new byte[] {1}, Limits.MAX_FRAME_LENGTH_CAP + 1, none, List.of()), true));
        assertNull(negotiator.check(hello(new byte[] {1}, Limits.MIN_FRAME_LENGTH, none, List.of()), false));
        assertNull(negotiator.check(hello(new byte[] {1}, Limits.MAX_FRAME_LENGTH_CAP, none, List.of()), false));
    }

    @Test
    void shouldChooseThePeersFirstPreferenceThatThisSideHas() {
        assertSame(lz4, negotiator.chooseCompression(List.of("zstd", "lz4", "deflate")));
        assertSame(deflate, negotiator.chooseCompression(List.of("deflate", "lz4")));
        assertNull(negotiator.chooseCompression(List.of("zstd")));
        assertNull(negotiator.chooseCompression(List.of()));
        assertNull(new HelloNegotiator(MAX, "none", new CompressionProvider[0]).chooseCompression(
            List.of("deflate")));
    }

    @Test
    void shouldKeepItsOwnCopyOfTheProviders() {
        CompressionProvider[] providers = {deflate};
        HelloNegotiator n = new HelloNegotiator(MAX, "none", providers);
        providers[0] = lz4;
        assertSame(deflate, n.chooseCompression(List.of("deflate")));
        assertNull(n.chooseCompression(List.of("lz4")));
    }
}
