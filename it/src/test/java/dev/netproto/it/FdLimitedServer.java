package dev.netproto.it;

import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.Server;
import java.io.IOException;
import java.time.Duration;

/**
 * A server for {@link AcceptBackoffTest}, run in its own JVM under a low open-files limit: prints the port it
 * listens on, serves {@code echo}, and stops when its standard input ends.
 */
final class FdLimitedServer {
    private FdLimitedServer() {
    }

    public static void main(String[] args) throws IOException {
        // The idle connections that exhaust the descriptors send no HELLO: a long HELLO timeout keeps them, so that
        // a slow (loaded) machine cannot free descriptors by timing them out before the server runs out.
        try (Server server = Server.builder().listen("tcp://127.0.0.1:0").eventLoops(1)
            .connection(ConnectionOptions.builder().handshakeTimeout(Duration.ofMinutes(5)).build())
            .route("echo", (m, r) -> r.send(m.body())).start()) {
            System.out.println("port " + server.endpoints().get(0).port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Wait for the test to close our input.
            }
            server.close(Duration.ofSeconds(1));
        }
    }
}
