/**
 * The {@code np} command: {@code np serve} runs a server from a TOML file, environment variables and flags;
 * {@code np bench} measures round trips against a server; {@code np demo} does both in one process.
 *
 * <p>It requires only the API: the engine ({@code dev.netproto.core}) and the {@code tcp://} transport
 * ({@code dev.netproto.transport.nio}) join the module graph through service binding, because
 * {@code dev.netproto.api} {@code uses} the engine and the engine {@code uses} transports. It exports nothing. It
 * {@code uses} the transport, security and metrics SPIs itself to list the names found, so that {@code np serve}
 * reports an unknown scheme or provider with the other configuration problems, before anything starts.
 */
module dev.netproto.daemon {
    requires dev.netproto.api;
    requires dev.netproto.transport.tls;
    requires org.slf4j;
    requires HdrHistogram;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;

    uses dev.netproto.api.spi.MetricsProvider;
    uses dev.netproto.api.spi.SecurityProvider;
    uses dev.netproto.api.spi.TransportProvider;
}
