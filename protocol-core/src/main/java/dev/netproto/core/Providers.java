package dev.netproto.core;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Security;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.SecurityRole;
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
    final Map<String, MetricsProvider> metrics = load(MetricsProvider.class, MetricsProvider::name);

    /** Checks a name and adds a problem naming the key and the names found if it is unknown. */
    static <T> T require(Map<String, T> found, String key, String kind, String name, List<String> problems) {
        T provider = found.get(name);
        if (provider == null) {
            problems.add(key + ": unknown " + kind + " '" + name + "'; found: "
                + new java.util.TreeSet<>(found.keySet()));
        }
        return provider;
    }

    /**
     * Prepares the security mechanism: its provider must exist (nothing falls back to plaintext), the provider must
     * accept the settings, and it must fit the transports: a mechanism that supplies TLS engines goes with
     * {@code tls://} endpoints, and every other mechanism with the other transports.
     *
     * @return the mechanism, or null after adding the problems found
     */
    SecurityMechanism security(Security chosen, SecurityRole role, List<Endpoint> endpoints,
                               List<TransportProvider> transports, List<String> problems) {
        SecurityProvider provider = require(security, "security", "security provider", chosen.name(), problems);
        if (provider == null) {
            return null;
        }
        SecurityMechanism mechanism;
        try {
            mechanism = provider.create(chosen, role);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
            return null;
        } catch (RuntimeException e) {
            problems.add("security: provider '" + chosen.name() + "' (" + provider.getClass().getName()
                + ") failed to start: " + e);
            return null;
        }
        if (mechanism == null) {
            problems.add("security: provider '" + chosen.name() + "' (" + provider.getClass().getName()
                + ") returned no mechanism");
            return null;
        }
        boolean tlsChosen = mechanism.tlsEngines() != null;
        for (int i = 0; i < endpoints.size(); i++) {
            TransportProvider t = transports.get(i);
            if (t == null) {
                continue;
            }
            if (t.usesTls() && !tlsChosen) {
                problems.add("security: " + endpoints.get(i) + " is a TLS endpoint and needs security 'tls' "
                    + "(Security.tls(engines)), not '" + chosen.name() + "'");
            } else if (!t.usesTls() && tlsChosen) {
                problems.add("security: '" + chosen.name() + "' needs tls:// endpoints; " + endpoints.get(i)
                    + " is not one");
            }
        }
        return mechanism;
    }

    /** Frees per-thread state the compression providers keep for the calling (ending) loop thread. */
    void onLoopThreadExit() {
        for (CompressionProvider p : compression.values()) {
            try {
                p.onThreadExit();
            } catch (RuntimeException e) {
                LOG.warn("compression provider '{}' failed to release its thread state", p.name(), e);
            }
        }
    }

    /** The order used when compression is not configured: fastest first. */
    static final List<String> DEFAULT_COMPRESSION = List.of("lz4", "zstd", "deflate");

    /**
     * Resolves configured compression names. {@code null} means every provider found, in the default order then
     * the rest; a provider whose native code cannot load here is left out with one warning. A configured name that
     * is not found at all is a problem.
     */
    CompressionProvider[] compressors(List<String> configured, String key, List<String> problems) {
        List<String> names = new java.util.ArrayList<>();
        if (configured == null) {
            DEFAULT_COMPRESSION.stream().filter(compression::containsKey).forEach(names::add);
            compression.keySet().stream().filter(n -> !names.contains(n)).sorted().forEach(names::add);
        } else {
            for (String name : configured) {
                if (require(compression, key, "compression provider", name, problems) != null) {
                    names.add(name);
                }
            }
        }
        List<CompressionProvider> result = new java.util.ArrayList<>();
        for (String name : names) {
            CompressionProvider p = compression.get(name);
            if (p.isAvailable()) {
                result.add(p);
            } else {
                LOG.warn("compression provider '{}' is not available on this platform ({}/{}); not offered", name,
                    System.getProperty("os.name"), System.getProperty("os.arch"));
            }
        }
        return result.toArray(CompressionProvider[]::new);
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
