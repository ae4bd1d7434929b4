package dev.netproto.transport.tls;

import dev.netproto.api.Endpoint;
import dev.netproto.api.TransportOptions;
import dev.netproto.api.spi.TransportProvider;
import dev.netproto.transport.nio.TcpTransportProvider;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The {@code tls} transport: TCP sockets on which the core runs an {@link javax.net.ssl.SSLEngine} from
 * {@link dev.netproto.api.Security#tls}, on the same event loops as plain TCP. The sockets are opened and
 * configured exactly as by the {@code tcp} transport (TCP_NODELAY on by default), to which this class delegates;
 * the engines come from a {@link TlsEngineFactory}, such as {@link TlsContexts#create} or
 * {@link ReloadingTlsContext#load}.
 */
public final class TlsTransportProvider implements TransportProvider {
    /** The URI scheme this provider serves. */
    public static final String SCHEME = "tls";

    private final TcpTransportProvider tcp = new TcpTransportProvider();

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public TlsTransportProvider() {
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public boolean usesTls() {
        return true;
    }

    @Override
    public ServerSocketChannel bind(Endpoint endpoint, TransportOptions options) throws IOException {
        return tcp.bind(endpoint, options);
    }

    @Override
    public SocketChannel connect(Endpoint endpoint, TransportOptions options) throws IOException {
        return tcp.connect(endpoint, options);
    }

    @Override
    public void configureAccepted(SocketChannel channel, TransportOptions options) throws IOException {
        tcp.configureAccepted(channel, options);
    }
}
