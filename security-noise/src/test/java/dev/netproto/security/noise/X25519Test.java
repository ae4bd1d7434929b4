package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The raw-key conversions against RFC 7748's test vectors. */
@Timeout(10)
class X25519Test {
    private final X25519 dh = new X25519();

    private byte[] agree(String scalar, String u) {
        byte[] out = new byte[32];
        dh.agree(dh.privateKey(NoiseTestSupport.hex(scalar)), dh.publicKey(NoiseTestSupport.hex(u)), out, 0);
        return out;
    }

    @Test
    void shouldMatchRfc7748Section52WhenGivenRawLittleEndianKeys() {
        assertEquals("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", NoiseTestSupport.hex(agree(
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")));
        // This u-coordinate has its top bit set: RFC 7748 says to mask it, and the result depends on that.
        assertEquals("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957", NoiseTestSupport.hex(agree(
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")));
    }

    @Test
    void shouldDerivePublicKeysAndAgreeWhenGivenRfc7748Section61Keys() {
        NoiseKeyPair alice = NoiseKeyPair.fromPrivateKey(
            NoiseTestSupport.hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        NoiseKeyPair bob = NoiseKeyPair.fromPrivateKey(
            NoiseTestSupport.hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
            NoiseTestSupport.hex(alice.publicKey()));
        assertEquals("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
            NoiseTestSupport.hex(bob.publicKey()));
        byte[] ab = new byte[32];
        byte[] ba = new byte[32];
        dh.agree(alice.jcaPrivateKey(), dh.publicKey(bob.publicKey()), ab, 0);
        dh.agree(bob.jcaPrivateKey(), dh.publicKey(alice.publicKey()), ba, 0);
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", NoiseTestSupport.hex(ab));
        assertArrayEquals(ab, ba);
    }

    @Test
    void shouldDecodeLittleEndianAndMaskTheTopBitWhenReadingAPublicKey() {
        byte[] encoded = new byte[32];
        encoded[0] = 9;
        assertEquals(BigInteger.valueOf(9), X25519.decodeU(encoded, 0));
        encoded[31] = (byte) 0x80;
        assertEquals(BigInteger.valueOf(9), X25519.decodeU(encoded, 0));
        encoded[31] = (byte) 0xC0;
        assertEquals(BigInteger.ONE.shiftLeft(254).add(BigInteger.valueOf(9)), X25519.decodeU(encoded, 0));
    }

    @Test
    void shouldRefuseWhenTheResultIsAllZeros() {
        NoiseException e = assertThrows(NoiseException.class, () -> agree(
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "0000000000000000000000000000000000000000000000000000000000000000"));
        assertEquals(NoiseException.Reason.INVALID_PUBLIC_KEY, e.reason());
        // u = 1 has order 4: also a zero result after clamping (the scalar is a multiple of 8).
        e = assertThrows(NoiseException.class, () -> agree(
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "0100000000000000000000000000000000000000000000000000000000000000"));
        assertEquals(NoiseException.Reason.INVALID_PUBLIC_KEY, e.reason());
    }

    @Test
    void shouldRefusePrivateKeysOfTheWrongLength() {
        assertThrows(IllegalArgumentException.class, () -> NoiseKeyPair.fromPrivateKey(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> NoiseKeyPair.fromPrivateKey(null));
    }
}
