package dev.netproto.it;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Security;
import dev.netproto.it.psk.PskSecurityProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * The shared transport suite over TCP with a third party's security mechanism ({@link PskSecurityProvider}, written
 * only against the SPI and found with ServiceLoader): every frame after its handshake sealed with AES-GCM.
 */
class PskTcpTransportTest extends AbstractTransportTest {
    static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 0x5A);
    }

    static Security psk(String name, byte[] key) {
        return Security.of(PskSecurityProvider.NAME, new PskSecurityProvider.Key(name, key));
    }

    @Override
    protected String listenUri() {
        return "tcp://127.0.0.1:0";
    }

    @Override
    protected Security serverSecurity() {
        return psk("site-a", KEY);
    }

    @Override
    protected ClientOptions clientOptions() {
        return ClientOptions.builder().security(psk("site-a", KEY)).build();
    }

    @Override
    protected SocketChannel rawConnect() throws IOException {
        Endpoint e = server.endpoints().get(0);
        return SocketChannel.open(new InetSocketAddress(e.host(), e.port()));
    }
}
