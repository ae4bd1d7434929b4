package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Server;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EndToEndTest {

    @Test
    void shouldCompleteRoundTripsWithoutErrorsWhenBenchingTheServeServer() {
        Flags flags = Flags.parse(List.of("--listen", "tcp://127.0.0.1:0", "--event-loops", "2"),
            ServeCommand.flags(), Set.of("--listen"));
        DaemonConfig config = ServeCommand.config(flags, Map.of());
        try (Server server = ServeCommand.start(config)) {
            List<Endpoint> endpoints = server.endpoints();
            assertEquals(1, endpoints.size());
            assertTrue(endpoints.get(0).port() > 0, endpoints.toString());

            BenchSpec spec = new BenchSpec(endpoints.get(0).toString(), BenchSpec.ECHO_ROUTE, 2, 4, 64,
                Duration.ZERO, Duration.ofSeconds(1));
            BenchResult result = LoadGenerator.run(spec, ClientOptions.defaults());

            assertTrue(result.completed() > 0, result.line());
            assertEquals(0, result.errors(), result.line());
            assertEquals(result.completed(), result.latencyNs().getTotalCount(), result.line());
        }
    }
}
