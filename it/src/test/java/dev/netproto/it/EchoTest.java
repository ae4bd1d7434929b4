package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.Server;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EchoTest {
    @Test
    void shouldEchoOneRequest() throws Exception {
        try (Server server = Server.builder().listen("tcp://127.0.0.1:0")
                .route("echo", (m, r) -> r.send(m.body())).start();
             Client client = Client.connect(server.endpoints().get(0).toString(), ClientOptions.defaults())) {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(body, client.request("echo", body).get().bodyBytes());
            assertEquals(1, 1);
        }
    }
}
