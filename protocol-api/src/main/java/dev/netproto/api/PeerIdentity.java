package dev.netproto.api;

/**
 * Who the peer proved to be in its security handshake: a TLS certificate chain ({@link TlsPeerIdentity}), a Noise
 * static key ({@link NoisePeerIdentity}), or what a third-party mechanism authenticates. Handlers use it to
 * authorize per client; see {@link Message#peer()}.
 */
public interface PeerIdentity {

    /**
     * Returns the security mechanism that authenticated this identity.
     *
     * @return its name, such as {@code tls} or {@code noise}
     */
    String mechanism();

    /**
     * Returns a short human-readable name of the peer, for logs and authorization decisions by name.
     *
     * @return for example a certificate's subject, or a key's comment and fingerprint
     */
    String name();
}
