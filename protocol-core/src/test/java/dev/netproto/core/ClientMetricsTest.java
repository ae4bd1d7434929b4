package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.MetricsSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ClientMetricsTest {
    /** Records the calls it gets, in order. */
    private static class CallLog implements MetricsProvider {
        final List<String> calls = new ArrayList<>();
        final String name;

        CallLog(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void register(MetricsSource source) {
            assertSame(ClientLoops.group().metrics(), source);
            calls.add("register " + source.scope());
        }

        @Override
        public void unregister(MetricsSource source) {
            assertSame(ClientLoops.group().metrics(), source);
            calls.add("unregister " + source.scope());
        }
    }

    @Test
    void shouldRegisterWithTheFirstClientAndUnregisterWithTheLastWhenClientsShareAProvider() {
        CallLog provider = new CallLog("log");
        ClientMetrics.opened(provider);
        ClientMetrics.opened(provider);
        assertEquals(List.of("register client"), provider.calls);
        ClientMetrics.closed(provider);
        assertEquals(List.of("register client"), provider.calls);
        ClientMetrics.closed(provider);
        assertEquals(List.of("register client", "unregister client"), provider.calls);
        ClientMetrics.opened(provider);
        ClientMetrics.closed(provider);
        assertEquals(List.of("register client", "unregister client", "register client", "unregister client"),
            provider.calls);
    }

    @Test
    void shouldCountEachProviderApartWhenClientsNameDifferentOnes() {
        CallLog a = new CallLog("a");
        CallLog b = new CallLog("b");
        ClientMetrics.opened(a);
        ClientMetrics.opened(b);
        ClientMetrics.closed(a);
        assertEquals(List.of("register client", "unregister client"), a.calls);
        assertEquals(List.of("register client"), b.calls);
        ClientMetrics.closed(b);
        assertEquals(List.of("register client", "unregister client"), b.calls);
    }

    @Test
    void shouldRefuseAReleaseWithoutAnOpenClientWhenCountsWouldGoNegative() {
        CallLog provider = new CallLog("log");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClientMetrics.closed(provider));
        assertTrue(e.getMessage().contains("'log'"), e.getMessage());
        assertTrue(provider.calls.isEmpty());
    }

    @Test
    void shouldCountNothingWhenTheProviderFailsToRegister() {
        CallLog failing = new CallLog("failing") {
            @Override
            public void register(MetricsSource source) {
                throw new IllegalStateException("registry is closed");
            }
        };
        assertThrows(IllegalStateException.class, () -> ClientMetrics.opened(failing));
        assertThrows(IllegalStateException.class, () -> ClientMetrics.closed(failing), "nothing was counted");
    }
}
