package dev.netproto.it;

import dev.netproto.api.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/** The shared transport suite over TCP on IPv4 loopback. */
class TcpTransportTest extends AbstractTransportTest {
    @Override
    protected String listenUri() {
        return "tcp://127.0.0.1:0";
    }

    @Override
    protected SocketChannel rawConnect() throws IOException {
        Endpoint e = server.endpoints().get(0);
        return SocketChannel.open(new InetSocketAddress(e.host(), e.port()));
    }
}
