/**
 * The {@code tls://} transport: TLS 1.3 and 1.2 over {@link javax.net.ssl.SSLEngine}, with mutual TLS, certificate
 * pinning, PEM certificates read with BouncyCastle, certificate rotation and development certificates.
 *
 * <p>This module builds and validates the TLS configuration ({@code TlsConfig}), the {@code SSLContext} and the
 * configured engines ({@code TlsContexts}, {@code ReloadingTlsContext}) and development certificates
 * ({@code DevCertificates}); the event-loop side, which runs the engines between socket and codec, and the
 * {@code tls} transport provider come with the rest of issue #5. The package is exported only to the daemon, for
 * {@code np certgen}.
 */
// "module": the qualified export names dev.netproto.daemon, which is built after this module, so javac cannot
// find it here and would warn (failing -Werror).
@SuppressWarnings("module")
module dev.netproto.transport.tls {
    requires dev.netproto.api;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.slf4j;

    exports dev.netproto.transport.tls to dev.netproto.daemon;
}
