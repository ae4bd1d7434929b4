package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server out of file descriptors: accept() fails with "Too many open files" while connections wait in the
 * backlog. The listener must pause (one WARN per pause, not one per select, which would also spin its loop) and
 * accept again once descriptors are free. The server runs in a child JVM under {@code ulimit -n}.
 */
@Timeout(120)
class AcceptBackoffTest {
    /** Open files for the child JVM: enough to start and listen, few enough to run out quickly. */
    private static final int FD_LIMIT = 256;
    private static final Pattern LOG_TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) ");

    @TempDir
    Path dir;

    @Test
    void shouldPauseAcceptingWhenOutOfDescriptorsAndAcceptAgainWhenSomeAreFree() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "ulimit -n " + FD_LIMIT + " && exec '" + java + "' -cp '"
            + System.getProperty("java.class.path") + "' " + FdLimitedServer.class.getName();
        try (PeerProcess server = PeerProcess.start(dir, List.of("bash", "-c", command))) {
            server.awaitOutput("port ", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("port (\\d+)").matcher(server.output());
            assertTrue(m.find(), server::describe);
            int port = Integer.parseInt(m.group(1));
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * FD_LIMIT && !server.output().contains("pausing accepts"); i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                        sockets.add(s);
                    } catch (IOException e) {
                        s.close();
                    }
                }
                server.awaitOutput("pausing accepts", Duration.ofSeconds(30));
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            // Descriptors are free again once the server notices the closed peers: a new client is served.
            Conditions.await("the server accepts again", Duration.ofSeconds(60), () -> echoes(port));
            List<LocalTime> warnings = new ArrayList<>();
            for (String line : server.output().split("\n")) {
                Matcher t = LOG_TIME.matcher(line);
                if (line.contains("accept failed") && t.find()) {
                    warnings.add(LocalTime.parse(t.group(1)));
                }
            }
            assertTrue(!warnings.isEmpty(), server::describe);
            long spanMs = Duration.between(warnings.get(0), warnings.get(warnings.size() - 1)).toMillis();
            // At most one WARN per 100 ms pause (and the first); without the pause there is one per select.
            assertTrue(warnings.size() <= spanMs / 100 + 2, () -> warnings.size() + " WARN lines in " + spanMs
                + " ms\n" + server.describe());
        }
    }

    private static boolean echoes(int port) {
        try (Client client = Client.connect("tcp://127.0.0.1:" + port, ClientOptions.builder()
            .connectTimeout(Duration.ofSeconds(2)).build())) {
            return client.request("echo", new byte[] {7}).get(5, TimeUnit.SECONDS).bodyLength() == 1;
        } catch (Exception e) {
            return false;
        }
    }
}
