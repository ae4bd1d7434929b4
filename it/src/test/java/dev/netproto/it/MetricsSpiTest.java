package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ConnectionState;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.RemoteException;
import dev.netproto.api.Server;
import dev.netproto.api.spi.Metric;
import dev.netproto.api.spi.MetricsSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
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

    private static final ClientOptions RECORDED = ClientOptions.builder().metrics("recording").build();

    private static Server echoServer() {
        // The server keeps the default (noop) provider: all the recording provider holds is the clients' source.
        return Server.builder().listen("tcp://127.0.0.1:0").route("echo", (m, r) -> r.send(m.body())).start();
    }

    /**
     * Client counters are those of the process's shared client loops, so other clients (earlier tests' connections
     * still closing) may add to them: the client's side is checked as at least what the server, whose counters are
     * this connection's alone, saw it send.
     */
    @Test
    void shouldPublishTheClientCountersThroughTheProviderTheClientNames() throws Exception {
        assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), RecordingMetricsProvider.REGISTERED::toString);
        try (Server server = echoServer()) {
            try (Client client = Client.connect(server.endpoints().get(0).toString(), RECORDED)) {
                assertEquals(1, RecordingMetricsProvider.REGISTERED.size(), "registered on connect");
                MetricsSource source = RecordingMetricsProvider.REGISTERED.get(0);
                assertEquals("client", source.scope());
                assertSame(client.metrics(), source, "the provider publishes what Client.metrics() reads");

                MetricsSource serverSide = server.metrics();
                Conditions.await("the server read HELLO", Duration.ofSeconds(10),
                    () -> serverSide.read(Metric.FRAMES_RECEIVED) == 1);
                long serverBytes = serverSide.read(Metric.BYTES_RECEIVED);
                long framesSent = source.read(Metric.FRAMES_SENT);
                long bytesSent = source.read(Metric.BYTES_SENT);
                long framesReceived = source.read(Metric.FRAMES_RECEIVED);
                long unknownRoutes = source.errors(ErrorCode.UNKNOWN_ROUTE);
                long errors = source.read(Metric.ERRORS);

                for (int i = 0; i < 5; i++) {
                    client.request("echo", new byte[10]).get(10, TimeUnit.SECONDS);
                }
                Throwable missing = client.request("missing", new byte[1]).handle((m, e) -> e)
                    .get(10, TimeUnit.SECONDS);
                assertEquals(ErrorCode.UNKNOWN_ROUTE, assertInstanceOf(RemoteException.class, missing).errorCode());
                Conditions.await("the server read the 6 requests", Duration.ofSeconds(10),
                    () -> serverSide.read(Metric.FRAMES_RECEIVED) == 7);
                long requestBytes = serverSide.read(Metric.BYTES_RECEIVED) - serverBytes;

                assertTrue(source.read(Metric.FRAMES_SENT) - framesSent >= 6, "6 requests sent: " + source);
                assertTrue(source.read(Metric.BYTES_SENT) - bytesSent >= requestBytes,
                    "at least the " + requestBytes + " bytes the server read: " + source);
                assertTrue(source.read(Metric.FRAMES_RECEIVED) - framesReceived >= 6, "6 answers: " + source);
                assertTrue(source.errors(ErrorCode.UNKNOWN_ROUTE) - unknownRoutes >= 1, source::toString);
                assertTrue(source.read(Metric.ERRORS) - errors >= 1, source::toString);
            }
            assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), "unregistered when close() returns");
        }
    }

    @Test
    void shouldRegisterTheSharedClientSourceOnceAndUnregisterItWithTheLastClient() throws Exception {
        try (Server server = echoServer()) {
            String uri = server.endpoints().get(0).toString();
            Client first = Client.connect(uri, RECORDED);
            try (Client second = Client.connect(uri, RECORDED);
                 Client unpublished = Client.connect(uri, ClientOptions.defaults())) {
                assertEquals(List.of(first.metrics()), RecordingMetricsProvider.REGISTERED,
                    "one source for the process's client loops, not one per client");
                assertSame(first.metrics(), unpublished.metrics());
                first.close();
                assertEquals(1, RecordingMetricsProvider.REGISTERED.size(), "a client naming the provider is open");
                second.request("echo", new byte[3]).get(10, TimeUnit.SECONDS);
            } finally {
                first.close();
            }
            assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), "unregistered with the last client");
        }
    }

    @Test
    void shouldUnregisterWhenTheClientEndsByItselfOrNeverConnects() throws Exception {
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        ClientOptions options = ClientOptions.builder().metrics("recording")
            .stateListener((state, detail) -> states.add(state)).build();
        Server server = echoServer();
        String uri = server.endpoints().get(0).toString();
        try (Client client = Client.connect(uri, options)) {
            assertEquals(1, RecordingMetricsProvider.REGISTERED.size());
            server.close();
            // No reconnect policy: the server's close ends the client for good, before client.close().
            Conditions.await("the client ended", Duration.ofSeconds(10), () -> states.contains(ConnectionState.CLOSED));
            assertFalse(client.isOpen());
            assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), "unregistered when the client ended");
        } finally {
            server.close();
        }
        assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), "the later close() released nothing twice");
        // The server is gone, so its port refuses: the client never exists for the caller and keeps nothing.
        CompletionException refused = assertThrows(CompletionException.class,
            () -> Client.connectAsync(uri, RECORDED).join());
        assertInstanceOf(ConnectionClosedException.class, refused.getCause());
        assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty(), "a client that never connected is unregistered");
        try (Server again = echoServer();
             Client client = Client.connect(again.endpoints().get(0).toString(), RECORDED)) {
            assertEquals(1, RecordingMetricsProvider.REGISTERED.size(), "the next client registers the source again");
            client.request("echo", new byte[1]).get(10, TimeUnit.SECONDS);
        }
        assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty());
    }

    @Test
    void shouldNameTheProvidersFoundWhenAClientNamesAnUnknownMetricsProvider() {
        try (Server server = echoServer()) {
            ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> Client.connect(server.endpoints().get(0).toString(),
                    ClientOptions.builder().metrics("abacus").build()));
            assertEquals(List.of("metrics: unknown metrics provider 'abacus'; found: [noop, recording]"),
                e.problems());
            assertTrue(RecordingMetricsProvider.REGISTERED.isEmpty());
        }
    }
}
