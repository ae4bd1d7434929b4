package dev.netproto.transport.tls;

import dev.netproto.api.NetprotoException;
import java.io.Serial;

/**
 * Thrown when TLS cannot be set up or a peer's negotiated parameters are refused, such as a peer that negotiated
 * another application protocol than {@value TlsContexts#ALPN_PROTOCOL}. Problems with the configuration itself are
 * {@link dev.netproto.api.ConfigurationException}s instead.
 */
public final class TlsException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed, naming the peer where there is one
     */
    public TlsException(String message) {
        super(message);
    }

    /**
     * Creates an exception with its cause.
     *
     * @param message what failed, naming the peer where there is one
     * @param cause   the underlying failure
     */
    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
