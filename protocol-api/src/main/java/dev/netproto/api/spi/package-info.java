/**
 * Service-provider interfaces. Implementations are found with {@link java.util.ServiceLoader}: on the module path
 * through {@code provides ... with ...} in their module-info, on the class path through
 * {@code META-INF/services}. Every provider has a public no-argument constructor and a {@code name()} (or
 * {@code scheme()}) by which configuration selects it; an unknown name fails at start with the list of names found.
 *
 * <p>Providers are called on cold paths (start, connect, accept) unless their Javadoc says otherwise. The one hot
 * path is a security mechanism's {@link dev.netproto.api.spi.RecordProtection}, called once per record on the event
 * loop to seal and open in place.
 *
 * <ul>
 *   <li>{@link dev.netproto.api.spi.TransportProvider}: a URI scheme ({@code tcp}, {@code tls}, {@code unix}).</li>
 *   <li>{@link dev.netproto.api.spi.SecurityProvider}: a security mechanism, with
 *       {@link dev.netproto.api.spi.SecurityMechanism}, {@link dev.netproto.api.spi.SecuritySession} and
 *       {@link dev.netproto.api.spi.RecordProtection}; {@link dev.netproto.api.spi.TlsEngineSource} for TLS.</li>
 *   <li>{@link dev.netproto.api.spi.CompressionProvider}: a compression algorithm.</li>
 *   <li>{@link dev.netproto.api.spi.MetricsProvider}: publishes servers' and clients' counters.</li>
 *   <li>{@link dev.netproto.api.spi.EngineProvider}: how the API finds its implementation; not for applications.</li>
 * </ul>
 */
package dev.netproto.api.spi;
