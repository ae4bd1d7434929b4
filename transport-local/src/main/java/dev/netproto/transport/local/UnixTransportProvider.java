package dev.netproto.transport.local;

import dev.netproto.api.Endpoint;
import dev.netproto.api.TransportOptions;
import dev.netproto.api.spi.TransportProvider;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code unix} transport. The socket file is created with {@link TransportOptions#socketFilePermissions()}
 * (default {@code rw-rw----}, 0660), so that access is controlled by file ownership. A socket file left behind by
 * a process that died is replaced; one that a live server still listens on is refused, so that two daemons never
 * steal each other's socket. The file is removed when the server closes.
 */
public final class UnixTransportProvider implements TransportProvider {
    /** The URI scheme this provider serves. */
    public static final String SCHEME = "unix";

    private static final Logger LOG = LoggerFactory.getLogger(UnixTransportProvider.class);

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public UnixTransportProvider() {
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public ServerSocketChannel bind(Endpoint endpoint, TransportOptions options) throws IOException {
        Path path = path(endpoint);
        removeIfStale(path);
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(path), options.listenBacklog());
            // The file exists from bind(); until the permissions are set it has the umask's. Connections in that
            // window need the same user anyway, since the directory is the caller's.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(options.socketFilePermissions()));
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    @Override
    public SocketChannel connect(Endpoint endpoint, TransportOptions options) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.configureBlocking(false);
            channel.connect(UnixDomainSocketAddress.of(path(endpoint)));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void configureAccepted(SocketChannel channel, TransportOptions options) {
        // TCP options have no meaning on a Unix socket; buffer sizes are left to the system.
    }

    @Override
    public void unbound(Endpoint endpoint) throws IOException {
        Files.deleteIfExists(path(endpoint));
    }

    private static Path path(Endpoint endpoint) throws IOException {
        if (!endpoint.isPath()) {
            throw new IOException("unix endpoint needs an absolute path (unix:///path/to.sock): " + endpoint);
        }
        return Path.of(endpoint.path());
    }

    /** Deletes a socket file nothing listens on; refuses one that a live server holds, and any other file. */
    private static void removeIfStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new FileAlreadyExistsException(path.toString(), null,
                "exists and is not a socket; refusing to replace it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            LOG.info("replacing stale socket file {} (nothing listens on it)", path);
            Files.delete(path);
            return;
        }
        throw new FileAlreadyExistsException(path.toString(), null,
            "a live server is listening on this socket; stop it or choose another path");
    }
}
