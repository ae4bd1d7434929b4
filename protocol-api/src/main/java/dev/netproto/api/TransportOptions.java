package dev.netproto.api;

/**
 * Socket options applied by transports. Options that a transport does not support (TCP options on a Unix
 * socket) are ignored by it.
 *
 * @param tcpNoDelay        disable Nagle's algorithm; on by default, since messages are flushed as whole frames
 * @param backlog           the listen backlog; 0 for the kernel's maximum ({@link #listenBacklog()})
 * @param sendBufferSize    {@code SO_SNDBUF} in bytes; 0 leaves the system default
 * @param receiveBufferSize {@code SO_RCVBUF} in bytes; 0 leaves the system default
 * @param reuseAddress      {@code SO_REUSEADDR} on listening sockets
 * @param socketFilePermissions permissions of a Unix socket file, as {@code PosixFilePermissions} text such as
 *                          {@code rw-rw----} (the default: owner and group may connect)
 */
public record TransportOptions(boolean tcpNoDelay, int backlog, int sendBufferSize, int receiveBufferSize,
                               boolean reuseAddress, String socketFilePermissions) {

    /** The default permissions of a Unix socket file: read and write for owner and group (0660). */
    public static final String DEFAULT_SOCKET_FILE_PERMISSIONS = "rw-rw----";

    /**
     * Validates the options.
     *
     * @param tcpNoDelay        disable Nagle's algorithm
     * @param backlog           the listen backlog, 0 for the default
     * @param sendBufferSize    {@code SO_SNDBUF}, 0 for the default
     * @param receiveBufferSize {@code SO_RCVBUF}, 0 for the default
     * @param reuseAddress      {@code SO_REUSEADDR}
     * @param socketFilePermissions Unix socket file permissions, such as {@code rw-rw----}
     */
    public TransportOptions {
        if (backlog < 0) {
            throw new ConfigurationException("transport.backlog", "must be >= 0 (" + backlog + ")");
        }
        if (sendBufferSize < 0) {
            throw new ConfigurationException("transport.send_buffer_size", "must be >= 0 (" + sendBufferSize + ")");
        }
        if (receiveBufferSize < 0) {
            throw new ConfigurationException("transport.receive_buffer_size",
                "must be >= 0 (" + receiveBufferSize + ")");
        }
        if (socketFilePermissions == null || !socketFilePermissions.matches("[r-][w-][x-][r-][w-][x-][r-][w-][x-]")) {
            throw new ConfigurationException("transport.socket_file_permissions",
                "expected nine characters such as rw-rw---- (" + socketFilePermissions + ")");
        }
    }

    /**
     * Creates options with the default Unix socket file permissions.
     *
     * @param tcpNoDelay        disable Nagle's algorithm
     * @param backlog           the listen backlog, 0 for the default
     * @param sendBufferSize    {@code SO_SNDBUF}, 0 for the default
     * @param receiveBufferSize {@code SO_RCVBUF}, 0 for the default
     * @param reuseAddress      {@code SO_REUSEADDR}
     */
    public TransportOptions(boolean tcpNoDelay, int backlog, int sendBufferSize, int receiveBufferSize,
                            boolean reuseAddress) {
        this(tcpNoDelay, backlog, sendBufferSize, receiveBufferSize, reuseAddress, DEFAULT_SOCKET_FILE_PERMISSIONS);
    }

    /**
     * Returns the backlog a transport passes to {@code listen}: the configured one, or for 0 the kernel's maximum
     * accept queue, {@code net.core.somaxconn} on Linux (read from {@code /proc/sys/net/core/somaxconn}), as Netty
     * does. Java's own default for 0 is 50, which made 1,000 serial connects take 19.5 s of SYN retransmits where
     * 4,096 took 0.04 s. Where the value cannot be read, {@value #UNREADABLE_SOMAXCONN_BACKLOG} is passed and the
     * kernel caps it to its own maximum.
     *
     * @return the backlog to listen with, at least 1
     */
    public int listenBacklog() {
        return backlog > 0 ? backlog : SystemBacklog.VALUE;
    }

    /** The backlog used for 0 where the kernel's maximum cannot be read; kernels cap it to theirs. */
    public static final int UNREADABLE_SOMAXCONN_BACKLOG = 4096;

    /** Reads the kernel's maximum once, on first use. */
    private static final class SystemBacklog {
        static final int VALUE = read();

        private static int read() {
            // Read as a stream to its end: Files.readString sizes its read by the file's reported size, and
            // some kernels (gVisor's procfs, for one) report a size that cuts "4096" to "4".
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(
                    java.nio.file.Path.of("/proc/sys/net/core/somaxconn"))) {
                int v = Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                    .strip());
                return v > 0 ? v : UNREADABLE_SOMAXCONN_BACKLOG;
            } catch (java.io.IOException | NumberFormatException | SecurityException e) {
                return UNREADABLE_SOMAXCONN_BACKLOG;
            }
        }
    }

    /**
     * Returns the defaults: TCP_NODELAY on, the kernel's maximum backlog, system buffer sizes, address reuse on.
     *
     * @return the default options
     */
    public static TransportOptions defaults() {
        return new TransportOptions(true, 0, 0, 0, true);
    }
}
