package dev.netproto.transport.tls;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.Security;
import dev.netproto.api.TlsPeerIdentity;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.SecuritySession;
import dev.netproto.api.spi.SessionContext;
import dev.netproto.api.spi.TlsEngineSource;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The {@code tls} security mechanism: the byte stream is a TLS session (docs/PROTOCOL.md section 9), run by the
 * core between the socket and the frame codec with engines from a {@link TlsEngineSource} (such as one built by
 * {@link TlsContexts} from PEM files). It lives here, beside the {@code tls://} transport it requires. Its session
 * has no handshake of its own: by the time HELLO completes, TLS has authenticated the peer, and the session reports
 * the peer's certificate chain as its identity.
 */
public final class TlsSecurityProvider implements SecurityProvider {
    /** The name configuration and HELLO use. */
    public static final String NAME = Security.TLS;

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public TlsSecurityProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SecurityMechanism create(Security security, SecurityRole role) {
        if (!(security.settings() instanceof TlsEngineSource engines)) {
            throw new ConfigurationException("security", "'tls' needs its certificates and trust: use "
                + "Security.tls(engines), for example with an engine source built by the transport-tls module");
        }
        return new SecurityMechanism() {
            @Override
            public SecuritySession newSession(SessionContext connection) {
                return (clientHello, serverHello, handshake) -> handshake.established(identity(connection));
            }

            @Override
            public TlsEngineSource tlsEngines() {
                return engines;
            }
        };
    }

    /** The peer's verified chain, or null for a client that presented none (no client authentication). */
    static PeerIdentity identity(SessionContext connection) {
        SSLSession session = connection.tlsSession();
        if (session == null) {
            return null;
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
            return chain.isEmpty() ? null : new TlsPeerIdentity(chain);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
