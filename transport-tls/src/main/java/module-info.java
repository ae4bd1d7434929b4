/**
 * The {@code tls://} transport: TLS 1.3 and 1.2 over {@link javax.net.ssl.SSLEngine}, driven by the core's event
 * loops, with mutual TLS, certificate pinning and PEM certificates (BouncyCastle). The provider arrives with the
 * TLS issue (#5); until then this module only reserves its name and its place in the build.
 */
module dev.netproto.transport.tls {
    requires dev.netproto.api;
}
