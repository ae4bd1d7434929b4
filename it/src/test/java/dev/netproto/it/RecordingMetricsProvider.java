package dev.netproto.it;

import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.MetricsSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A metrics provider found through META-INF/services that remembers what it was given. */
public final class RecordingMetricsProvider implements MetricsProvider {
    static final List<MetricsSource> REGISTERED = new CopyOnWriteArrayList<>();

    /** Called by ServiceLoader. */
    public RecordingMetricsProvider() {
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public void register(MetricsSource source) {
        REGISTERED.add(source);
    }

    @Override
    public void unregister(MetricsSource source) {
        REGISTERED.remove(source);
    }
}
