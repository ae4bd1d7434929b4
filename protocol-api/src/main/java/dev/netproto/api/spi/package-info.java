/**
 * Service-provider interfaces. Implementations are found with {@link java.util.ServiceLoader}: on the module path
 * through {@code provides ... with ...} in their module-info, on the class path through
 * {@code META-INF/services}. Every provider has a public no-argument constructor and a {@code name()} (or
 * {@code scheme()}) by which configuration selects it; an unknown name fails at start with the list of names found.
 *
 * <p>Providers are called on cold paths (start, connect, accept) unless their Javadoc says otherwise.
 */
package dev.netproto.api.spi;
