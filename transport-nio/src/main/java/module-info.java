/**
 * The {@code tcp://host:port} transport: plain TCP sockets from {@link java.nio.channels.SocketChannel}, with
 * TCP_NODELAY on by default. Found by the core with {@link java.util.ServiceLoader} by its scheme.
 */
module dev.netproto.transport.nio {
    requires dev.netproto.api;

    provides dev.netproto.api.spi.TransportProvider with dev.netproto.transport.nio.TcpTransportProvider;
}
