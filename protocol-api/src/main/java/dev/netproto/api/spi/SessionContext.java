package dev.netproto.api.spi;

import javax.net.ssl.SSLSession;

/**
 * Facts about the connection a {@link SecuritySession} protects, for its decisions and messages. Implemented by
 * the core.
 */
public interface SessionContext {

    /**
     * Returns which end of the connection this side is.
     *
     * @return the role
     */
    SecurityRole role();

    /**
     * Returns the peer's address as the transport names it.
     *
     * @return for example {@code 127.0.0.1:40312}, or a text naming the socket of an unnamed Unix-socket peer
     */
    String remoteAddress();

    /**
     * Returns the transport's URI scheme.
     *
     * @return for example {@code tcp}, {@code tls} or {@code unix}
     */
    String transport();

    /**
     * Returns the TLS session of a {@code tls://} connection, whose handshake has completed by the time HELLO is
     * exchanged: a mechanism may read the peer's certificates from it, or bind itself to the session.
     *
     * @return the session, or {@code null} without TLS
     */
    SSLSession tlsSession();
}
