/**
 * The {@code unix:///path/to.sock} transport: Unix domain sockets through the JDK's
 * {@link java.net.UnixDomainSocketAddress}, on the same selector-based event loops as TCP (no extra threads, no
 * JNI). Found by the core with {@link java.util.ServiceLoader} by its scheme.
 */
module dev.netproto.transport.local {
    requires dev.netproto.api;
    requires org.slf4j;

    provides dev.netproto.api.spi.TransportProvider with dev.netproto.transport.local.UnixTransportProvider;
}
