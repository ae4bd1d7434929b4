package dev.netproto.core;

import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.MetricsSource;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Publishes the counters of the client event loops ({@link ClientLoops}) through the metrics providers that clients
 * name. Clients share their loops and so their counters: there is one source, of scope {@code client}. A provider
 * is given it when the first open client naming that provider connects, and told to drop it when the last one
 * closes, so that a provider never sees two sources of one scope (a registry keyed by scope would refuse the
 * second) and never loses the source while a client that named it is open.
 *
 * <p><b>Threading.</b> Called from the threads that connect and close clients, and from a client's event loop when
 * the client ends by itself; the counts and the provider calls are made under one lock, so that a provider sees
 * register and unregister in order. Cold path only: once per client, never per message.
 */
final class ClientMetrics {
    /** Open clients per provider, by identity (providers are loaded once); guarded by itself. */
    private static final Map<MetricsProvider, Integer> CLIENTS = new IdentityHashMap<>();

    private ClientMetrics() {
    }

    /** The source every client publishes: the counters of the shared client loops. */
    static MetricsSource source() {
        return ClientLoops.group().metrics();
    }

    /**
     * Counts one more open client naming the provider, registering the source with it if this is the first. If the
     * provider's {@code register} throws, nothing is counted and the exception propagates.
     */
    static void opened(MetricsProvider provider) {
        synchronized (CLIENTS) {
            int open = CLIENTS.getOrDefault(provider, 0);
            if (open == 0) {
                provider.register(source());
            }
            CLIENTS.put(provider, open + 1);
        }
    }

    /**
     * Counts one client fewer naming the provider, unregistering the source from it if this was the last. Each
     * {@link #opened} is matched by exactly one call of this method.
     */
    static void closed(MetricsProvider provider) {
        synchronized (CLIENTS) {
            int open = CLIENTS.getOrDefault(provider, 0);
            if (open <= 0) {
                throw new IllegalStateException("metrics provider '" + provider.name()
                    + "' released by more clients than opened it");
            }
            if (open == 1) {
                CLIENTS.remove(provider);
                provider.unregister(source());
            } else {
                CLIENTS.put(provider, open - 1);
            }
        }
    }
}
