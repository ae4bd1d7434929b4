package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.NoisePublicKey;
import dev.netproto.api.Security;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The Noise side of {@code np bench} against a server with security {@code noise}: the server's public key to pin
 * ({@code --noise-server-key}, as {@code np keygen} prints it), and this client's key file ({@code --noise-key};
 * without it the client is anonymous and uses the NK pattern). Problems name these flags.
 */
final class BenchNoise {
    /** The pinned server key flag; selects Noise. */
    static final String SERVER_KEY = "--noise-server-key";
    /** The client key file flag. */
    static final String KEY = "--noise-key";
    /** The cipher preference flag. */
    static final String CIPHERS = "--noise-ciphers";
    /** Every Noise flag of {@code np bench}. */
    static final Set<String> FLAGS = Set.of(SERVER_KEY, KEY, CIPHERS);

    private BenchNoise() {
    }

    /**
     * Returns Noise security from the flags, or {@code null} when no Noise flag is given (or a problem was added).
     *
     * @param flags    the parsed flags
     * @param problems receives a problem naming the flag for every bad Noise flag
     * @return the security, or {@code null}
     */
    static Security security(Flags flags, List<String> problems) {
        String serverKey = flags.text(SERVER_KEY, null);
        String key = flags.text(KEY, null);
        String ciphers = flags.text(CIPHERS, null);
        if (serverKey == null) {
            if (key != null || ciphers != null) {
                problems.add(SERVER_KEY + ": required with " + KEY + " or " + CIPHERS
                    + " (the server's public key, as np keygen printed it)");
            }
            return null;
        }
        NoiseOptions.Builder options = NoiseOptions.builder();
        try {
            options.serverKey(NoisePublicKey.parse(serverKey.strip()));
        } catch (IllegalArgumentException e) {
            problems.add(SERVER_KEY + ": " + e.getMessage());
        }
        if (key != null) {
            try {
                options.identity(NoiseIdentity.load(Path.of(key)));
            } catch (IOException | ConfigurationException e) {
                problems.add(KEY + ": " + e.getMessage());
            }
        }
        if (ciphers != null) {
            options.ciphers(ciphers.split(","));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        try {
            return Security.noise(options.build());
        } catch (ConfigurationException e) {
            e.problems().forEach(p -> problems.add(CIPHERS + ": " + p));
            return null;
        }
    }
}
