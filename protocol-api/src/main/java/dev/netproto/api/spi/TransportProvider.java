package dev.netproto.api.spi;

import dev.netproto.api.Endpoint;
import dev.netproto.api.TransportOptions;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Opens the channels of one URI scheme ({@code tcp}, {@code tls}, {@code unix}). The core registers the channels
 * with its event loops' selectors, so they are always non-blocking {@link java.nio.channels.SelectableChannel}s;
 * the provider only creates, binds and configures them.
 *
 * <p>Implementations are stateless and thread-safe, with a public no-argument constructor.
 */
public interface TransportProvider {

    /**
     * Returns the URI scheme this provider serves.
     *
     * @return the scheme in lower case, such as {@code tcp}
     */
    String scheme();

    /**
     * Opens a listening channel bound to the endpoint.
     *
     * @param endpoint where to listen; port 0 lets the system choose
     * @param options  socket options
     * @return a bound, non-blocking server channel
     * @throws IOException if binding fails; the message names the endpoint
     */
    ServerSocketChannel bind(Endpoint endpoint, TransportOptions options) throws IOException;

    /**
     * Opens a non-blocking channel and starts connecting it. The core finishes the connection when the channel
     * becomes connectable.
     *
     * @param endpoint the server to connect to
     * @param options  socket options
     * @return a channel that is connected or has a connection pending
     * @throws IOException if the address cannot be resolved or the connect cannot be started
     */
    SocketChannel connect(Endpoint endpoint, TransportOptions options) throws IOException;

    /**
     * Applies socket options to a channel accepted from a server channel this provider bound.
     *
     * @param channel the accepted channel, already non-blocking
     * @param options socket options
     * @throws IOException if an option cannot be set
     */
    void configureAccepted(SocketChannel channel, TransportOptions options) throws IOException;

    /**
     * Releases what {@link #bind} left behind once the core has closed the listening channel, such as the socket
     * file of a Unix domain socket. The default does nothing.
     *
     * @param endpoint the endpoint that was bound
     * @throws IOException if cleaning up fails; the core logs it
     */
    default void unbound(Endpoint endpoint) throws IOException {
    }

    /**
     * Returns whether this transport's connections run TLS, with the engines of
     * {@link dev.netproto.api.Security#tls}. The core then drives an {@link javax.net.ssl.SSLEngine} between the
     * socket and the frames, and refuses a configuration that pairs this transport with another mechanism.
     *
     * @return {@code true} for the {@code tls} transport; the default is {@code false}
     */
    default boolean usesTls() {
        return false;
    }
}
