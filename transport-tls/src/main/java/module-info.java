/**
 * The {@code tls://} transport: TLS 1.3 and 1.2 over {@link javax.net.ssl.SSLEngine}, with mutual TLS, certificate
 * pinning, PEM certificates read with BouncyCastle, certificate rotation and development certificates.
 *
 * <p>Applications build a {@code TlsConfig}, turn it into engines with {@code TlsContexts.create} (or
 * {@code ReloadingTlsContext.load} to follow certificate rotation) and pass those to
 * {@link dev.netproto.api.Security#tls}; the core runs the engines on its event loops. The module also registers
 * the security name {@code tls}.
 */
module dev.netproto.transport.tls {
    requires transitive dev.netproto.api;
    requires dev.netproto.transport.nio;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.slf4j;

    exports dev.netproto.transport.tls;

    provides dev.netproto.api.spi.TransportProvider with dev.netproto.transport.tls.TlsTransportProvider;
    provides dev.netproto.api.spi.SecurityProvider with dev.netproto.transport.tls.TlsSecurityProvider;
}
