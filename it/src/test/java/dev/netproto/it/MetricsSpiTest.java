package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import dev.netproto.api.spi.MetricsSource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class MetricsSpiTest {
    @Test
    void shouldPublishTheServerCountersThroughTheSelectedProvider() throws Exception {
        MetricsSource source;
        try (Server server = Server.builder().listen("tcp://127.0.0.1:0").metrics("recording")
                .route("echo", (m, r) -> r.send(m.body())).start()) {
            assertEquals(1, RecordingMetricsProvider.REGISTERED.size());
            source = RecordingMetricsProvider.REGISTERED.get(0);
            assertEquals("server", source.scope());
            try (Client client = Client.connect(server.endpoints().get(0).toString(), ClientOptions.defaults())) {
                for (int i = 0; i < 5; i++) {
                    client.request("echo", new byte[10]).get(10, TimeUnit.SECONDS);
                }
                client.request("missing", new byte[1]).handle((m, e) -> e).get(10, TimeUnit.SECONDS);
            }
            Conditions.await("the connection is closed", Duration.ofSeconds(10),
                () -> source.read(Metric.CONNECTIONS_CLOSED) == 1);
            assertEquals(8, source.read(Metric.FRAMES_RECEIVED), "HELLO, 6 requests, CLOSE");
            assertTrue(source.read(Metric.FRAMES_SENT) >= 7, "HELLO, 6 answers");
            assertEquals(1, source.errors(ErrorCode.UNKNOWN_ROUTE));
            assertEquals(1, source.read(Metric.ERRORS));
            assertEquals(0, source.read(Metric.CONNECTIONS_ACTIVE));
        }
        assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), "unregistered on close");
    }
}
