package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Server;
import dev.netproto.api.TransportOptions;
import dev.netproto.testkit.RequiresProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listen backlog a server really gets, as the kernel reports it ({@code ss}: a listening socket's Send-Q is
 * its backlog). Java's default for 0 is 50, which made 1,000 serial connects take 19.5 s of SYN retransmits.
 */
@Timeout(60)
@RequiresProgram(value = "ss", debianPackage = "iproute2")
class ListenBacklogTest {

    @Test
    void shouldListenWithTheKernelsMaximumBacklogByDefault() throws Exception {
        int expected = TransportOptions.defaults().listenBacklog();
        Path somaxconn = Path.of("/proc/sys/net/core/somaxconn");
        if (Files.isReadable(somaxconn)) {
            // Read by cat, not by Java's Files.readString, which on some kernels' procfs returned "4" for "4096".
            assertEquals(Integer.parseInt(run("cat", somaxconn.toString()).strip()), expected,
                "0 means the kernel's maximum");
        }
        assertEquals(expected, backlogOfAServerWith(TransportOptions.defaults()));
    }

    @Test
    void shouldListenWithTheConfiguredBacklog() throws Exception {
        assertEquals(77, backlogOfAServerWith(new TransportOptions(true, 77, 0, 0, true)));
    }

    private static int backlogOfAServerWith(TransportOptions options) throws Exception {
        Server server = Server.builder().listen("tcp://127.0.0.1:0").transport(options)
            .route("echo", (m, r) -> r.send(m.body())).start();
        try {
            int port = server.endpoints().get(0).port();
            String out = run("ss", "-H", "-l", "-t", "-n", "sport = :" + port);
            String[] fields = out.strip().split("\\s+");
            assertTrue(fields.length >= 4 && fields[0].equals("LISTEN"), "ss printed: " + out);
            return Integer.parseInt(fields[2]);
        } finally {
            server.close(Duration.ofSeconds(2));
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ss did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " printed: " + out);
        return out;
    }
}
