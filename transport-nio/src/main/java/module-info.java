/**
 * The {@code tcp://host:port} transport: plain TCP sockets from {@link java.nio.channels.SocketChannel}, with
 * TCP_NODELAY on by default. Found by the core with {@link java.util.ServiceLoader} by its scheme.
 */
// "module": the qualified export names dev.netproto.transport.tls, which is built after this module, so javac
// cannot find it here and would warn (failing -Werror).
@SuppressWarnings("module")
module dev.netproto.transport.nio {
    requires dev.netproto.api;

    // The tls transport opens its sockets through the tcp provider.
    exports dev.netproto.transport.nio to dev.netproto.transport.tls;

    provides dev.netproto.api.spi.TransportProvider with dev.netproto.transport.nio.TcpTransportProvider;
}
