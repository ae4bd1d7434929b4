package dev.netproto.security.noise;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.Security;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.SecurityRole;
import java.util.List;

/**
 * The {@code noise} security mechanism: a Noise handshake after HELLO authenticates the peers' static X25519
 * keys, then every frame is sealed (see {@link Security#noise} and docs/PROTOCOL.md section 8). Found with
 * {@link java.util.ServiceLoader} like any third party's provider: put this module on the module path (or class
 * path) and choose {@code Security.noise(options)}.
 */
public final class NoiseSecurityProvider implements SecurityProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = Security.NOISE;

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public NoiseSecurityProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SecurityMechanism create(Security security, SecurityRole role) {
        if (!(security.settings() instanceof NoiseOptions options)) {
            throw new ConfigurationException("security", "'noise' needs its keys: use Security.noise(NoiseOptions)");
        }
        List<String> problems = role == SecurityRole.SERVER ? options.serverProblems() : options.clientProblems();
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return role == SecurityRole.SERVER ? NoiseContext.forServer(options) : NoiseContext.forClient(options);
    }
}
