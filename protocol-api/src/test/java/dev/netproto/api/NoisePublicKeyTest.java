package dev.netproto.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NoisePublicKeyTest {
    /** Alice's public key of RFC 7748 section 6.1. */
    static final String ALICE_HEX = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    static final String ALICE_TEXT = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
    /** Computed independently: base64 of sha256(ALICE) without padding. */
    static final String ALICE_FINGERPRINT = "SHA256:MAyclgO5Kks57TlYv5JAEUgE20/TcwEsDKR0MtY0Ja4";

    @Test
    void shouldRoundTripTheTextFormWhenParsing() {
        NoisePublicKey key = NoisePublicKey.parse(ALICE_TEXT);
        assertArrayEquals(HexFormat.of().parseHex(ALICE_HEX), key.bytes());
        assertEquals(ALICE_TEXT, key.toString());
        assertEquals(key, NoisePublicKey.of(HexFormat.of().parseHex(ALICE_HEX)));
        assertEquals(key.hashCode(), NoisePublicKey.parse(key.toString()).hashCode());
    }

    @Test
    void shouldPrintTheOpenSshStyleFingerprintWhenAsked() {
        NoisePublicKey key = NoisePublicKey.parse(ALICE_TEXT);
        assertEquals(ALICE_FINGERPRINT, key.fingerprint());
        assertEquals(NoisePublicKey.FINGERPRINT_PREFIX.length() + 43, key.fingerprint().length());
    }

    @Test
    void shouldCopyBytesInAndOutWhenWrappingAnArray() {
        byte[] bytes = HexFormat.of().parseHex(ALICE_HEX);
        NoisePublicKey key = NoisePublicKey.of(bytes);
        bytes[0] ^= 1;
        assertEquals(ALICE_TEXT, key.toString());
        key.bytes()[1] ^= 1;
        assertEquals(ALICE_TEXT, key.toString());
    }

    @Test
    void shouldCompareByContentWhenTestingEquality() {
        byte[] a = HexFormat.of().parseHex(ALICE_HEX);
        byte[] b = a.clone();
        b[31] ^= 0x01;
        assertEquals(NoisePublicKey.of(a), NoisePublicKey.of(a.clone()));
        assertNotEquals(NoisePublicKey.of(a), NoisePublicKey.of(b));
        assertNotEquals(NoisePublicKey.of(a), (Object) ALICE_TEXT);
    }

    @Test
    void shouldRefuseWrongLengthsWhenWrapping() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NoisePublicKey.of(new byte[31]));
        assertEquals("a Noise public key is 32 bytes, not 31", e.getMessage());
        assertThrows(NullPointerException.class, () -> NoisePublicKey.of(null));
        assertThrows(NullPointerException.class, () -> NoisePublicKey.parse(null));
    }

    @Test
    void shouldNameWhatIsWrongWhenParsingBadText() {
        assertMessage("", "must not be empty");
        assertMessage(ALICE_TEXT.substring(0, 40), "is 44 characters of base64 (32 bytes), not 40");
        assertMessage(ALICE_TEXT + "AAAA", "is 44 characters of base64 (32 bytes), not 48");
        assertMessage(" " + ALICE_TEXT, "character 1 is a space");
        assertMessage(ALICE_TEXT + "\n", "character 45 is the control character U+000A");
        assertMessage(ALICE_TEXT.replace('/', '_'), "character 24 is '_' (this looks like URL-safe base64");
        assertMessage(ALICE_TEXT.replace('h', 'é'), "character 1 is 'é' (U+00E9)");
        assertMessage("=" + ALICE_TEXT.substring(1), "not valid base64");
        // 33 bytes would need 44 characters without padding: the length check alone does not catch it.
        assertMessage("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "decodes to 33 bytes");
    }

    @Test
    void shouldRefuseANonCanonicalEncodingAndSuggestTheCanonicalOne() {
        // The last character before '=' carries 4 bits of data and 2 unused bits: 'o' is 40 = 0b101000, and 'p'
        // (0b101001) has the same data bits with an unused bit set.
        String sloppy = ALICE_TEXT.substring(0, 42) + "p=";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoisePublicKey.parse(sloppy));
        assertTrue(e.getMessage().contains("canonical base64"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean " + ALICE_TEXT), e.getMessage());
    }

    @Test
    void shouldShortenAndSanitiseLongInputWhenReportingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NoisePublicKey.parse("A".repeat(200)));
        assertTrue(e.getMessage().endsWith("\"" + "A".repeat(57) + "...\""), e.getMessage());
    }

    private static void assertMessage(String text, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoisePublicKey.parse(text));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    /** RFC 7748 section 6.1: Alice's and Bob's key pairs. */
    @Test
    void shouldDeriveThePublicKeysOfRfc7748() {
        HexFormat hex = HexFormat.of();
        assertArrayEquals(hex.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
            NoisePublicKey.derive(hex.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
                .bytes());
        assertArrayEquals(hex.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
            NoisePublicKey.derive(hex.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
                .bytes());
        byte[] key = hex.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        NoisePublicKey.derive(key);
        assertEquals("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", hex.formatHex(key),
            "the private key is not modified");
        assertThrows(IllegalArgumentException.class, () -> NoisePublicKey.derive(new byte[31]));
    }
}
