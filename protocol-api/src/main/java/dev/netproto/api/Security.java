package dev.netproto.api;

import dev.netproto.api.spi.TlsEngineSource;
import java.util.Objects;

/**
 * The security mechanism of a server or client, with its settings: {@linkplain #none() none},
 * {@linkplain #tls(TlsEngineSource) TLS} (with a {@code tls://} endpoint), {@linkplain #noise(NoiseOptions) Noise}
 * (over any transport), or another {@link dev.netproto.api.spi.SecurityProvider}
 * {@linkplain #of(String, Object) by name, with its settings}. Both sides must choose the
 * same mechanism; HELLO fails with {@link ErrorCode#NEGOTIATION_FAILED}, naming both choices, when they differ.
 *
 * <p>TLS secures the byte stream below the frames, so it comes with the transport: a {@code tls://} endpoint
 * requires {@code Security.tls(...)} and {@code Security.tls(...)} requires {@code tls://} endpoints only. A
 * server that should also accept plaintext runs a second server.
 *
 * <p>The mechanism is implemented by the {@link dev.netproto.api.spi.SecurityProvider} of that name, found with
 * {@link java.util.ServiceLoader}: {@code none} and {@code tls} are in the core, {@code noise} in the
 * {@code security-noise} module. A name that no provider implements is refused at start; nothing falls back to
 * plaintext.
 */
public final class Security {
    /** The name of the mechanism that adds no protection. */
    public static final String NONE = "none";
    /** The name of the TLS mechanism. */
    public static final String TLS = "tls";
    /** The name of the Noise mechanism. */
    public static final String NOISE = "noise";

    private static final Security NONE_SECURITY = new Security(NONE, null);

    private final String name;
    private final Object settings;

    private Security(String name, Object settings) {
        this.name = name;
        this.settings = settings;
    }

    /**
     * Returns the mechanism that adds nothing: frames travel as they are, for loopback, Unix sockets and networks
     * protected otherwise.
     *
     * @return the {@code none} mechanism
     */
    public static Security none() {
        return NONE_SECURITY;
    }

    /**
     * Returns TLS with engines from the given source, such as one built by the {@code transport-tls} module from
     * PEM files.
     *
     * @param engines creates and checks each connection's {@link javax.net.ssl.SSLEngine}
     * @return the {@code tls} mechanism
     */
    public static Security tls(TlsEngineSource engines) {
        return new Security(TLS, Objects.requireNonNull(engines, "engines"));
    }

    /**
     * Returns Noise sessions: after HELLO, a Noise handshake authenticates the peers' static keys, and every frame
     * is then sealed (docs/PROTOCOL.md section 8). Works over any transport.
     *
     * @param options keys, accepted peers, ciphers, rekeying
     * @return the {@code noise} mechanism
     */
    public static Security noise(NoiseOptions options) {
        return new Security(NOISE, Objects.requireNonNull(options, "options"));
    }

    /**
     * Returns the mechanism of the provider with this name, with no settings of its own. {@code "none"} gives
     * {@link #none()}; {@code "tls"} and {@code "noise"} are accepted here but fail at start, since they need
     * their settings.
     *
     * @param name a {@link dev.netproto.api.spi.SecurityProvider} name
     * @return the named mechanism
     */
    public static Security named(String name) {
        return of(name, null);
    }

    /**
     * Returns the mechanism of the provider with this name, with settings that the provider defines and checks
     * when the server starts or the client connects (a third-party mechanism's keys, for example).
     *
     * @param name     a {@link dev.netproto.api.spi.SecurityProvider} name
     * @param settings the provider's settings, or {@code null} for none
     * @return the named mechanism
     */
    public static Security of(String name, Object settings) {
        Objects.requireNonNull(name, "security");
        return NONE.equals(name) && settings == null ? NONE_SECURITY : new Security(name, settings);
    }

    /**
     * Returns the name HELLO carries and providers are found by.
     *
     * @return the mechanism's name, such as {@code none}
     */
    public String name() {
        return name;
    }

    /**
     * Returns the engine source of TLS.
     *
     * @return the source given to {@link #tls(TlsEngineSource)}, or {@code null} for other mechanisms
     */
    public TlsEngineSource tls() {
        return settings instanceof TlsEngineSource engines && TLS.equals(name) ? engines : null;
    }

    /**
     * Returns the settings of Noise.
     *
     * @return the options given to {@link #noise(NoiseOptions)}, or {@code null} for other mechanisms
     */
    public NoiseOptions noise() {
        return settings instanceof NoiseOptions options && NOISE.equals(name) ? options : null;
    }

    /**
     * Returns the settings the provider reads.
     *
     * @return the settings given to {@link #of}, {@link #tls} or {@link #noise}, or {@code null} for none
     */
    public Object settings() {
        return settings;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Security s && name.equals(s.name) && Objects.equals(settings, s.settings);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Objects.hashCode(settings);
    }

    @Override
    public String toString() {
        return name;
    }
}
