package dev.netproto.transport.tls;

import dev.netproto.api.spi.TlsEngineSource;
import javax.net.ssl.SSLEngine;

/**
 * Creates configured {@link SSLEngine}s for one side of TLS connections: one engine per connection, with the
 * protocols, cipher suites, ALPN, client-authentication, SNI and host-name-verification settings of its
 * {@link TlsConfig} already applied, in client or server mode according to {@link TlsConfig#role()}.
 *
 * <p>Implementations are thread-safe: any thread, including an event loop, may create engines at any time. An
 * engine, once created, never changes: a new certificate (see {@link ReloadingTlsContext}) reaches only engines
 * created afterwards.
 */
public interface TlsEngineFactory extends TlsEngineSource {

    /**
     * Creates an engine for a new connection; the caller drives its handshake.
     *
     * <p>For a client, {@code peerHost} is the host name connected to: it is sent in SNI (unless it is an IP
     * address) and verified against the server's certificate, unless {@link TlsConfig#serverName()} replaces it.
     * For a server it is the remote address, used only in messages and the session cache.
     *
     * @param peerHost the peer's host name or address; may be {@code null} for a server
     * @param peerPort the peer's port, or -1 if unknown
     * @return a new engine, not yet handshaking
     * @throws IllegalArgumentException if a client that verifies host names gets no host name
     */
    @Override
    SSLEngine newEngine(String peerHost, int peerPort);

    /**
     * Returns the settings engines are made from.
     *
     * @return the configuration
     */
    TlsConfig config();

    /**
     * Checks, after the handshake, that the peer negotiated {@value TlsContexts#ALPN_PROTOCOL}. The JDK already
     * aborts a handshake in which the peers offer no protocol in common; this also refuses a peer that offered no
     * ALPN at all when {@link TlsConfig#requireAlpn()} is set.
     *
     * @param engine an engine from this factory whose handshake has finished
     * @throws TlsException naming the peer and the protocol it negotiated, if it is refused
     * @throws IllegalStateException if the handshake has not finished
     */
    @Override
    default void checkApplicationProtocol(SSLEngine engine) {
        TlsContexts.checkApplicationProtocol(engine, config().requireAlpn());
    }
}
