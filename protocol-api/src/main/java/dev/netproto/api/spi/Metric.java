package dev.netproto.api.spi;

/**
 * The counters and gauges every netproto server and client keeps. Counters only grow; gauges
 * ({@link #CONNECTIONS_ACTIVE}, {@link #BUFFERS_IN_USE}, {@link #OUTBOUND_BYTES}, {@link #MEMORY_RESERVED},
 * {@link #MEMORY_RESERVED_PEAK}) go up and down.
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
    /** Connections refused because the server was at its maximum. */
    CONNECTIONS_REFUSED,
    /** Bytes of encoded frames queued and not yet written to sockets (gauge). */
    OUTBOUND_BYTES,
    /**
     * Times a connection stopped reading because its peer did not read its output, or because the memory budget
     * ran short while it held much of it (see {@link #MEMORY_RESERVED}).
     */
    READS_SUSPENDED,
    /** Requests that got no answer within the request timeout. */
    REQUESTS_TIMED_OUT,
    /** Responses (or errors) that arrived for requests no longer pending, such as timed-out ones. */
    LATE_RESPONSES,
    /** PING frames sent. */
    PINGS_SENT,
    /** Frames sent with a compressed body. */
    FRAMES_COMPRESSED,
    /** Noise rekeys of the sending direction (docs/PROTOCOL.md section 8). */
    NOISE_REKEYS,
    /**
     * Requests sent again by a reconnecting client because the server answered NOT_PROCESSED (it had sent GOAWAY and
     * did not process them; docs/PROTOCOL.md section 6).
     */
    REQUESTS_RESENT,
    /** Errors of every code; see {@link MetricsSource#errors(dev.netproto.api.ErrorCode)} for each code. */
    ERRORS,
    /**
     * Bytes of direct memory the buffer pools hold now, in use or kept for reuse (gauge); a server keeps it within
     * its memory budget ({@code ServerBuilder.memoryBudget}).
     */
    MEMORY_RESERVED,
    /** The most bytes of direct memory the buffer pools held at once since the start (gauge). */
    MEMORY_RESERVED_PEAK,
    /**
     * Buffers the memory budget refused: each made its connection stop reading for a while, or answered a request
     * with {@link dev.netproto.api.ErrorCode#OVERLOADED}.
     */
    MEMORY_REFUSALS
}
