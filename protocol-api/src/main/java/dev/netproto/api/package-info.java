/**
 * The netproto API: start a {@link dev.netproto.api.Server} with routes, connect a {@link dev.netproto.api.Client},
 * and exchange {@link dev.netproto.api.Message}s as requests, responses and one-way messages.
 *
 * <p>Every type here is either immutable or documents its threading contract. Configuration problems are reported
 * as {@link dev.netproto.api.ConfigurationException} when a builder builds; failures of the network or the peer
 * arrive as subclasses of {@link dev.netproto.api.NetprotoException}, usually through a
 * {@link java.util.concurrent.CompletableFuture}.
 */
package dev.netproto.api;
