package dev.netproto.api.spi;

import javax.net.ssl.SSLEngine;

/**
 * Supplies the {@link SSLEngine} of each TLS connection and judges its handshake. The core runs the engine on its
 * event loop, between the socket and the frame codec; this source decides everything else: certificates, trust,
 * protocols, cipher suites, client authentication, pinning and ALPN. The {@code transport-tls} module implements
 * it from a TLS configuration, including certificate rotation; pass one to
 * {@link dev.netproto.api.Security#tls(TlsEngineSource)}.
 *
 * <p>Implementations are thread-safe: event loops create engines concurrently.
 */
public interface TlsEngineSource {

    /**
     * Creates a configured engine, in client or server mode, for a new connection.
     *
     * @param peerHost a client's target host name (for SNI and host-name verification), or a server's view of the
     *                 remote address (for messages and the session cache); may be {@code null} for a server
     * @param peerPort the peer's port, or -1 if unknown
     * @return a new engine whose handshake has not begun
     */
    SSLEngine newEngine(String peerHost, int peerPort);

    /**
     * Checks a finished handshake beyond what the engine itself verified, such as the negotiated application
     * protocol. The connection is closed with {@link dev.netproto.api.ErrorCode#HANDSHAKE_FAILED} and this
     * exception's message when it throws.
     *
     * @param engine an engine from {@link #newEngine} whose handshake has finished
     * @throws RuntimeException naming what the peer did wrong, if the connection must not be used
     */
    void checkApplicationProtocol(SSLEngine engine);
}
