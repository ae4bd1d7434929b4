package dev.netproto.api.spi;

/**
 * Publishes the counters of servers and clients to a metrics system. Selected by {@link #name()}; the core ships
 * {@code noop}, the metrics module Dropwizard-based providers.
 *
 * <p>The core never calls a provider per message: it registers each {@link MetricsSource} once and the provider
 * reads it when its system polls (for example as gauges). Calls come from the thread that starts or closes a
 * server or client.
 */
public interface MetricsProvider {

    /**
     * Returns the name configuration uses for this provider.
     *
     * @return a short lower-case name
     */
    String name();

    /**
     * Starts publishing a source.
     *
     * @param source the counters of a server or client group
     */
    void register(MetricsSource source);

    /**
     * Stops publishing a source; called when its server or client group closes.
     *
     * @param source a source previously registered
     */
    void unregister(MetricsSource source);
}
