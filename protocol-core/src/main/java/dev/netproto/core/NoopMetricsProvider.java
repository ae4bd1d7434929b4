package dev.netproto.core;

import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.MetricsSource;

/**
 * The default metrics provider: publishes nothing. The counters are still kept and readable through
 * {@link dev.netproto.api.Server#metrics()}.
 */
public final class NoopMetricsProvider implements MetricsProvider {
    /** The name configuration uses. */
    public static final String NAME = "noop";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public NoopMetricsProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void register(MetricsSource source) {
        // Nothing to publish to: the source stays readable through Server.metrics().
    }

    @Override
    public void unregister(MetricsSource source) {
        // Nothing was published.
    }
}
