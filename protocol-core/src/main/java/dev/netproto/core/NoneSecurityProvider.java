package dev.netproto.core;

import dev.netproto.api.spi.SecurityProvider;

/**
 * The {@code none} security mechanism: frames travel in plain text. For loopback, trusted networks, or a
 * transport that secures the bytes itself.
 */
public final class NoneSecurityProvider implements SecurityProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = "none";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public NoneSecurityProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }
}
