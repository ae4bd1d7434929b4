package dev.netproto.api.spi;

/**
 * Publishes the counters of servers and clients to a metrics system. Selected by {@link #name()}; the core ships
 * {@code noop}, the metrics module Dropwizard-based providers.
 *
 * <p>The core never calls a provider per message: it registers each {@link MetricsSource} once and the provider
 * reads it when its system polls (for example as gauges). A server's source (scope {@code server}) is registered
 * when the server starts and unregistered when it closes. Clients share their event loops and so one source (scope
 * {@code client}), registered when the first open client naming this provider connects and unregistered when the
 * last one closes ({@link dev.netproto.api.ClientOptions.Builder#metrics(String)}); a provider therefore never
 * holds two sources of one scope from the same client group.
 *
 * <p>Calls come from the thread that starts or closes a server or client, or from a client's event loop when the
 * client ends by itself (its first connect failed, its server closed it and it does not reconnect, or reconnecting
 * gave up); so they must be quick and must not block.
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
