package dev.netproto.transport.nio;

import dev.netproto.api.Endpoint;
import dev.netproto.api.TransportOptions;
import dev.netproto.api.spi.TransportProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The {@code tcp} transport. Host names are resolved on the calling thread (connect and bind are called off the
 * event loops), so a slow DNS lookup never stalls a loop.
 */
public final class TcpTransportProvider implements TransportProvider {
    /** The URI scheme this provider serves. */
    public static final String SCHEME = "tcp";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public TcpTransportProvider() {
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public ServerSocketChannel bind(Endpoint endpoint, TransportOptions options) throws IOException {
        InetSocketAddress address = resolve(endpoint);
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, options.reuseAddress());
            if (options.receiveBufferSize() > 0) {
                // Set before bind so that accepted sockets inherit it and the TCP window scale fits it.
                channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
            }
            channel.bind(address, options.listenBacklog());
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public SocketChannel connect(Endpoint endpoint, TransportOptions options) throws IOException {
        InetSocketAddress address = resolve(endpoint);
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            apply(channel, options);
            channel.connect(address);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void configureAccepted(SocketChannel channel, TransportOptions options) throws IOException {
        apply(channel, options);
    }

    private static void apply(SocketChannel channel, TransportOptions options) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
        if (options.sendBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferSize());
        }
        if (options.receiveBufferSize() > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
        }
    }

    private static InetSocketAddress resolve(Endpoint endpoint) throws IOException {
        if (endpoint.isPath()) {
            throw new IOException(endpoint.scheme() + " endpoint needs host:port, not a path: " + endpoint);
        }
        InetSocketAddress address = new InetSocketAddress(endpoint.host(), endpoint.port());
        if (address.isUnresolved()) {
            throw new UnknownHostException("cannot resolve host '" + endpoint.host() + "' of " + endpoint);
        }
        return address;
    }
}
