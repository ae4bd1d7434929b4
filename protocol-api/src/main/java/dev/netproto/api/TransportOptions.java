package dev.netproto.api;

/**
 * Socket options applied by transports. Options that a transport does not support (TCP options on a Unix
 * socket) are ignored by it.
 *
 * @param tcpNoDelay        disable Nagle's algorithm; on by default, since messages are flushed as whole frames
 * @param backlog           the listen backlog; 0 leaves the system default
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
     * Returns the defaults: TCP_NODELAY on, system backlog and buffer sizes, address reuse on.
     *
     * @return the default options
     */
    public static TransportOptions defaults() {
        return new TransportOptions(true, 0, 0, 0, true);
    }
}
