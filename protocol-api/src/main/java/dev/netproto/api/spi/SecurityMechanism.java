package dev.netproto.api.spi;

/**
 * What every connection of one server or one client shares for a security mechanism: keys, accepted peers,
 * caches. Created by {@link SecurityProvider#create}; thread-safe, since the event loops create sessions
 * concurrently.
 */
public interface SecurityMechanism {

    /**
     * Creates the session of a new connection. Called on the connection's event loop, once per connection, so it
     * should be cheap; a stateless mechanism may return one shared instance.
     *
     * @param connection facts about the connection
     * @return the session, which the connection drives from its event loop only
     */
    SecuritySession newSession(SessionContext connection);

    /**
     * Returns the TLS engines of a mechanism that protects the byte stream below the frames, which the core then
     * runs between the socket and the frame codec. Such a mechanism requires {@code tls://} endpoints, and every
     * other mechanism refuses them.
     *
     * @return the engine source, or {@code null} (the default) for a mechanism that protects frames
     */
    default TlsEngineSource tlsEngines() {
        return null;
    }
}
