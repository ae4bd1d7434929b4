package dev.netproto.api.spi;

/**
 * The counters and gauges every netproto server and client keeps. Counters only grow; gauges
 * ({@link #CONNECTIONS_ACTIVE}, {@link #BUFFERS_IN_USE}) go up and down.
 */
public enum Metric {
    /** Connections accepted or established. */
    CONNECTIONS_OPENED,
    /** Connections closed, for any reason. */
    CONNECTIONS_CLOSED,
    /** Connections open now (gauge). */
    CONNECTIONS_ACTIVE,
    /** Frames decoded from peers. */
    FRAMES_RECEIVED,
    /** Frames encoded for peers. */
    FRAMES_SENT,
    /** Bytes read from sockets. */
    BYTES_RECEIVED,
    /** Bytes written to sockets. */
    BYTES_SENT,
    /** HELLO (and, with security, handshake) exchanges completed. */
    HANDSHAKES_COMPLETED,
    /** HELLO (or handshake) exchanges that failed. */
    HANDSHAKES_FAILED,
    /** Tasks refused because an event loop's queue was full. */
    TASKS_REJECTED,
    /** Pooled buffers handed out and not yet returned (gauge); 0 when idle and nothing leaks. */
    BUFFERS_IN_USE,
    /** Errors of every code; see {@link MetricsSource#errors(dev.netproto.api.ErrorCode)} for each code. */
    ERRORS
}
