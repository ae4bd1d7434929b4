package dev.netproto.core;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Security;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.SecuritySession;
import dev.netproto.api.spi.SessionContext;

/**
 * The {@code none} security mechanism: frames travel in plain text, and the peer is anonymous. For loopback,
 * trusted networks, or a Unix socket whose file permissions decide who connects. It is a session like any other:
 * it says established as soon as HELLO completes.
 */
public final class NoneSecurityProvider implements SecurityProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = Security.NONE;

    /** Stateless: one session serves every connection. */
    private static final SecuritySession SESSION = (clientHello, serverHello, handshake) -> handshake.established(null);
    private static final SecurityMechanism MECHANISM = new SecurityMechanism() {
        @Override
        public SecuritySession newSession(SessionContext connection) {
            return SESSION;
        }
    };

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public NoneSecurityProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SecurityMechanism create(Security security, SecurityRole role) {
        if (security.settings() != null) {
            throw new ConfigurationException("security", "'none' takes no settings, got "
                + security.settings().getClass().getName());
        }
        return MECHANISM;
    }
}
