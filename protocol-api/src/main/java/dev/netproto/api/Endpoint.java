package dev.netproto.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Where to listen or connect, parsed from a URI whose scheme names the transport: {@code tcp://host:port},
 * {@code tls://host:port} or {@code unix:///path/to.sock}. IPv6 literals go in brackets ({@code tcp://[::1]:7700}).
 *
 * @param scheme the transport scheme, lower case
 * @param host   the host name or address literal (without brackets); empty for path-based transports
 * @param port   the port, 0 to let the system choose when listening; -1 for path-based transports
 * @param path   the socket path for path-based transports; empty otherwise
 */
public record Endpoint(String scheme, String host, int port, String path) {

    /**
     * Validates the components.
     *
     * @param scheme the transport scheme
     * @param host   the host, or empty
     * @param port   the port, or -1
     * @param path   the path, or empty
     */
    public Endpoint {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        scheme = scheme.toLowerCase(Locale.ROOT);
        if (port < -1 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535 (or -1 for none): " + port);
        }
    }

    /**
     * Parses a URI such as {@code tcp://127.0.0.1:7700} or {@code unix:///run/np.sock}.
     *
     * @param uri the text to parse
     * @return the endpoint
     * @throws ConfigurationException naming the URI and what is wrong with it
     */
    public static Endpoint parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new ConfigurationException("uri", "not a valid URI (" + uri + "): " + e.getMessage());
        }
        String scheme = parsed.getScheme();
        if (scheme == null) {
            throw new ConfigurationException("uri", "missing scheme such as tcp:// (" + uri + ")");
        }
        String host = parsed.getHost();
        if (host == null) {
            String path = parsed.getPath();
            if (path == null || path.isEmpty() || parsed.getRawAuthority() != null) {
                throw new ConfigurationException("uri",
                    "expected scheme://host:port or scheme:///absolute/path (" + uri + ")");
            }
            return new Endpoint(scheme, "", -1, path);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (parsed.getPort() < 0) {
            throw new ConfigurationException("uri", "missing port (" + uri + ")");
        }
        if (parsed.getRawPath() != null && !parsed.getRawPath().isEmpty()) {
            throw new ConfigurationException("uri", "unexpected path after host:port (" + uri + ")");
        }
        return new Endpoint(scheme, host, parsed.getPort(), "");
    }

    /**
     * Tells whether this endpoint names a filesystem path rather than a host and port.
     *
     * @return {@code true} for {@code unix:///path} endpoints
     */
    public boolean isPath() {
        return port < 0;
    }

    /**
     * Returns the endpoint as a URI string that {@link #parse(String)} reads back.
     *
     * @return for example {@code tcp://[::1]:7700}
     */
    @Override
    public String toString() {
        if (isPath()) {
            return scheme + "://" + path;
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return scheme + "://" + h + ":" + port;
    }
}
