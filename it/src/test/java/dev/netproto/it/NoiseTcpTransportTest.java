package dev.netproto.it;

import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.Security;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/** The shared transport suite over TCP with Noise sessions: every frame after the handshake sealed. */
class NoiseTcpTransportTest extends AbstractTransportTest {
    private static final NoiseIdentity SERVER = NoiseIdentity.generate();
    private static final NoiseIdentity CLIENT = NoiseIdentity.generate();

    @Override
    protected String listenUri() {
        return "tcp://127.0.0.1:0";
    }

    @Override
    protected Security serverSecurity() {
        return Security.noise(NoiseOptions.builder().identity(SERVER)
            .authorizedKeys(AuthorizedKeys.of(CLIENT.publicKey())).build());
    }

    @Override
    protected ClientOptions clientOptions() {
        return ClientOptions.builder().security(Security.noise(NoiseOptions.builder().identity(CLIENT)
            .serverKey(SERVER.publicKey()).build())).build();
    }

    @Override
    protected SocketChannel rawConnect() throws IOException {
        Endpoint e = server.endpoints().get(0);
        return SocketChannel.open(new InetSocketAddress(e.host(), e.port()));
    }
}
