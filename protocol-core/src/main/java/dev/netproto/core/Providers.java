package dev.netproto.core;

import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.PoolProvider;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.TransportProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers found with {@link ServiceLoader}, by name, loaded once. Lookups of unknown names return null;
 * callers turn that into a configuration problem listing {@link #names}.
 */
final class Providers {
    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    final Map<String, TransportProvider> transports = load(TransportProvider.class, TransportProvider::scheme);
    final Map<String, SecurityProvider> security = load(SecurityProvider.class, SecurityProvider::name);
    final Map<String, CompressionProvider> compression = load(CompressionProvider.class, CompressionProvider::name);
    final Map<String, PoolProvider> pools = load(PoolProvider.class, PoolProvider::name);
    final Map<String, MetricsProvider> metrics = load(MetricsProvider.class, MetricsProvider::name);

    /** Checks a name and adds a problem naming the key and the names found if it is unknown. */
    static <T> T require(Map<String, T> found, String key, String kind, String name, List<String> problems) {
        T provider = found.get(name);
        if (provider == null) {
            problems.add(key + ": unknown " + kind + " '" + name + "'; found: " + found.keySet());
        }
        return provider;
    }

    private static <T> Map<String, T> load(Class<T> type, Function<T, String> nameOf) {
        Map<String, T> byName = new LinkedHashMap<>();
        for (T provider : ServiceLoader.load(type, Providers.class.getClassLoader())) {
            String name = nameOf.apply(provider);
            T previous = byName.putIfAbsent(name, provider);
            if (previous != null && previous.getClass() != provider.getClass()) {
                LOG.warn("two {} providers named '{}': using {}, ignoring {}", type.getSimpleName(), name,
                    previous.getClass().getName(), provider.getClass().getName());
            }
        }
        return Map.copyOf(byName);
    }
}
