package dev.netproto.transport.tls;

import dev.netproto.api.Security;
import dev.netproto.api.spi.SecurityProvider;

/**
 * Registers the security name {@code tls}, so that configuration can say {@code security = "tls"} and HELLO
 * names it. The protection itself is the TLS session below the frames, run by the core with the engines of
 * {@link Security#tls}; this provider adds nothing per frame.
 */
public final class TlsSecurityProvider implements SecurityProvider {

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public TlsSecurityProvider() {
    }

    @Override
    public String name() {
        return Security.TLS;
    }
}
