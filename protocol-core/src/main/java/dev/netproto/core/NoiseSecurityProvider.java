package dev.netproto.core;

import dev.netproto.api.spi.SecurityProvider;

/**
 * The {@code noise} security mechanism: a Noise handshake after HELLO, then every frame sealed (see
 * {@link dev.netproto.api.Security#noise} and docs/PROTOCOL.md section 8). The connection runs it; this provider
 * registers the name.
 */
public final class NoiseSecurityProvider implements SecurityProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = "noise";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public NoiseSecurityProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }
}
