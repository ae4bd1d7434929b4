package dev.netproto.api.spi;

import dev.netproto.api.Security;

/**
 * A security mechanism, found with {@link java.util.ServiceLoader} and selected by {@link #name()}: the core ships
 * {@code none} and {@code tls}, the {@code security-noise} module {@code noise}, and an application may add its
 * own (a pre-shared-key mechanism, for example) by implementing this interface and its companions.
 *
 * <p><b>The seam.</b> A provider turns the user's {@link Security} choice into a {@link SecurityMechanism}, once per
 * server or client; the mechanism creates a {@link SecuritySession} per connection. A session negotiates its
 * parameters in HELLO, runs its handshake over HANDSHAKE frames, reports the peer's authenticated identity, and
 * from then on protects the byte stream in sealed records through a {@link RecordProtection}. A mechanism that
 * protects it below the frames instead (TLS) supplies {@link SecurityMechanism#tlsEngines() TLS engines}.
 *
 * <p><b>Failing closed.</b> A name that no provider implements is refused when the server starts or the client
 * connects, with a {@link dev.netproto.api.ConfigurationException} listing the names found. Nothing ever falls
 * back to plaintext: a session that never calls {@link SecuritySession.Handshake#established} leaves the
 * connection closed to requests until the handshake timeout ends it.
 *
 * <p>Implementations must be public, have a public no-argument constructor (or a {@code provider()} method in a
 * module), and be thread-safe: servers and clients start concurrently.
 */
public interface SecurityProvider {

    /**
     * Returns the name configuration and HELLO use for this mechanism.
     *
     * @return a short lower-case ASCII name, such as {@code none}
     */
    String name();

    /**
     * Checks the settings of one server or client and prepares what all its connections share (keys, caches).
     * Called once, when the server starts or the client connects.
     *
     * @param security the user's choice, whose {@link Security#name()} is this provider's name; its settings are
     *                 {@link Security#settings()}
     * @param role     whether the mechanism serves a server's accepted connections or a client's
     * @return the mechanism, shared by that server's or client's connections
     * @throws dev.netproto.api.ConfigurationException naming each setting that is missing or wrong
     */
    SecurityMechanism create(Security security, SecurityRole role);
}
