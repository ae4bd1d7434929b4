package dev.netproto.api;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A peer authenticated by TLS: the certificate chain it presented and the engine verified (a client's only with
 * client authentication, mTLS).
 *
 * @param chain the peer's chain, its own certificate first; not empty
 */
public record TlsPeerIdentity(List<X509Certificate> chain) implements PeerIdentity {

    /**
     * Checks and copies the chain.
     *
     * @param chain the peer's chain, its own certificate first; not empty
     */
    public TlsPeerIdentity {
        chain = List.copyOf(Objects.requireNonNull(chain, "chain"));
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a TLS peer identity needs at least one certificate");
        }
    }

    /**
     * Returns the peer's own certificate.
     *
     * @return the first certificate of the chain
     */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String mechanism() {
        return Security.TLS;
    }

    /** Returns the subject of the peer's certificate, as an RFC 2253 distinguished name. */
    @Override
    public String name() {
        return certificate().getSubjectX500Principal().getName();
    }

    @Override
    public String toString() {
        return "TlsPeerIdentity[" + name() + "]";
    }
}
