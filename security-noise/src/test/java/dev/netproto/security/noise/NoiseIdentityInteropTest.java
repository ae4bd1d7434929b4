package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoisePublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The API's key files and the Noise implementation agree on what a key pair is. */
@Timeout(10)
class NoiseIdentityInteropTest {

    @Test
    void shouldGiveTheSamePublicKeyWhenAnIdentityBecomesANoiseKeyPair() {
        for (int i = 0; i < 8; i++) {
            NoiseIdentity identity = NoiseIdentity.generate();
            byte[] privateKey = identity.privateKeyBytes();
            try (NoiseKeyPair pair = NoiseKeyPair.fromPrivateKey(privateKey)) {
                assertArrayEquals(identity.publicKey().bytes(), pair.publicKey());
            } finally {
                Arrays.fill(privateKey, (byte) 0);
            }
        }
    }

    @Test
    void shouldGiveTheSamePublicKeyWhenANoiseKeyPairBecomesAnIdentity() {
        try (NoiseKeyPair pair = NoiseKeyPair.generate();
             NoiseIdentity identity = NoiseIdentity.fromPrivateKey(pair.privateKey())) {
            assertEquals(NoisePublicKey.of(pair.publicKey()), identity.publicKey());
        }
    }
}
