package dev.netproto.api;

import java.util.Objects;
import java.util.Optional;

/**
 * The other end of a connection, as a handler or a response sees it: where it is, over which transport and
 * security mechanism it came, and who it proved to be. One instance per connection, built the first time it is
 * asked for; immutable.
 */
public final class Peer {
    private final String remoteAddress;
    private final String transport;
    private final String security;
    private final PeerIdentity identity;

    /**
     * Creates a peer description; the core builds these.
     *
     * @param remoteAddress the peer's address as the transport names it
     * @param transport     the transport's URI scheme, such as {@code tcp}
     * @param security      the security mechanism's name, such as {@code none}
     * @param identity      the authenticated identity, or {@code null} for an anonymous peer
     */
    public Peer(String remoteAddress, String transport, String security, PeerIdentity identity) {
        this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.security = Objects.requireNonNull(security, "security");
        this.identity = identity;
    }

    /**
     * Returns the peer's address as the transport names it.
     *
     * @return for example {@code /127.0.0.1:40312}, or a text naming the socket of an unnamed Unix-socket peer
     */
    public String remoteAddress() {
        return remoteAddress;
    }

    /**
     * Returns the transport the connection runs on.
     *
     * @return its URI scheme, such as {@code tcp}, {@code tls} or {@code unix}
     */
    public String transport() {
        return transport;
    }

    /**
     * Returns the security mechanism of the connection.
     *
     * @return its name, such as {@code none}, {@code tls} or {@code noise}
     */
    public String security() {
        return security;
    }

    /**
     * Returns who the peer proved to be.
     *
     * @return the identity; empty with security {@code none}, for a TLS client without a certificate, and for an
     *     anonymous Noise client
     */
    public Optional<PeerIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    @Override
    public String toString() {
        return "Peer[" + remoteAddress + " over " + transport + "/" + security
            + (identity == null ? ", anonymous]" : ", " + identity.name() + "]");
    }
}
