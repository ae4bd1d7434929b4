package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.security.noise.HandshakePattern.Token;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class NoiseProtocolTest {
    @Test
    void shouldParseEverySupportedNameWhenWellFormed() {
        for (String pattern : HandshakePattern.names()) {
            for (String cipher : new String[] {"ChaChaPoly", "AESGCM"}) {
                String name = "Noise_" + pattern + "_25519_" + cipher + "_SHA256";
                NoiseProtocol p = NoiseProtocol.parse(name);
                assertEquals(name, p.name());
                assertEquals(pattern, p.patternName());
                assertEquals(cipher, p.cipherName());
                assertEquals(pattern.length() == 1, p.oneWay());
                assertEquals(p, NoiseProtocol.parse(name));
            }
        }
        assertEquals(15, HandshakePattern.names().size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Noise_XXpsk3_25519_ChaChaPoly_SHA256 | pattern modifiers are not supported ('XXpsk3')",
        "Noise_XXfallback_25519_AESGCM_SHA256 | pattern modifiers are not supported",
        "Noise_NK1_25519_ChaChaPoly_SHA256    | handshake pattern 'NK1' is not supported; supported patterns: N, K, X,",
        "Noise_XX_448_ChaChaPoly_SHA256       | DH function '448' is not supported; supported: 25519",
        "Noise_XX_25519_AESGCM_SHA512         | hash function 'SHA512' is not supported; supported: SHA256",
        "Noise_XX_25519_ChaChaPoly_BLAKE2s    | hash function 'BLAKE2s' is not supported",
        "Noise_XX_25519_AESGCM+ChaChaPoly_SHA256 | cipher function 'AESGCM+ChaChaPoly' is not supported",
        "Noise_XX_25519_ChaChaPoly            | expected Noise_<pattern>_<dh>_<cipher>_<hash>",
        "NoiseXX_25519_ChaChaPoly_SHA256_     | expected Noise_<pattern>_<dh>_<cipher>_<hash>",
        "noise_XX_25519_ChaChaPoly_SHA256     | expected Noise_<pattern>_<dh>_<cipher>_<hash>",
    })
    void shouldRefuseWithTheUnsupportedPartWhenTheNameIsNotSupported(String name, String expected) {
        NoiseException e = assertThrows(NoiseException.class, () -> NoiseProtocol.parse(name));
        assertEquals(NoiseException.Reason.UNSUPPORTED_PROTOCOL, e.reason());
        assertTrue(e.getMessage().startsWith("unsupported Noise protocol '" + name + "': "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void shouldRefuseNull() {
        assertThrows(NoiseException.class, () -> NoiseProtocol.parse(null));
    }

    @Test
    void shouldReadPatternsFromTheSpecificationNotation() {
        HandshakePattern xx = HandshakePattern.byName("XX");
        assertEquals(0, xx.initiatorPreMessage.length + xx.responderPreMessage.length);
        assertEquals(3, xx.messages.length);
        assertArrayEquals(new Token[] {Token.E}, xx.messages[0]);
        assertArrayEquals(new Token[] {Token.E, Token.EE, Token.S, Token.ES}, xx.messages[1]);
        assertArrayEquals(new Token[] {Token.S, Token.SE}, xx.messages[2]);
        assertFalse(xx.oneWay());

        HandshakePattern ik = HandshakePattern.byName("IK");
        assertArrayEquals(new Token[] {Token.S}, ik.responderPreMessage);
        assertArrayEquals(new Token[] {Token.E, Token.ES, Token.S, Token.SS}, ik.messages[0]);
        assertArrayEquals(new Token[] {Token.E, Token.EE, Token.SE}, ik.messages[1]);
        assertTrue(ik.sends(true, Token.S));
        assertTrue(ik.sends(false, Token.S), "the responder's pre-message counts");

        HandshakePattern kk = HandshakePattern.byName("KK");
        assertArrayEquals(new Token[] {Token.S}, kk.initiatorPreMessage);
        assertArrayEquals(new Token[] {Token.S}, kk.responderPreMessage);

        assertTrue(HandshakePattern.byName("X").oneWay());
        assertEquals(null, HandshakePattern.byName("XX1"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-> e, ee                         | 'ee' before both of its keys exist",
        "-> e\\n<- e, es                   | 'es' before both of its keys exist",
        "-> e\\n<- e, ee\\n-> e            | a party sends 'e' twice",
        "-> e\\n<- e, ee, ee               | 'ee' appears twice",
        "<- e                             | messages must alternate",
        "-> e\\n-> s                       | messages must alternate",
        "-> e, x                          | unknown token 'x'",
        "<- e\\n...\\n-> e, ee             | pre-message token 'e' is not supported",
        "<- s\\n-> s\\n...\\n-> e          | pre-messages must be at most one '->' line then at most one '<-' line",
        "e, s                             | a line must start with '->' or '<-'",
        "->                               | no tokens",
    })
    void shouldRefuseInvalidNotationWhenItBreaksTheValidityRules(String notation, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> HandshakePattern.parse("T", notation.replace("\\n", "\n")));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
