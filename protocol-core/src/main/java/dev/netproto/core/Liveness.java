package dev.netproto.core;

import java.util.concurrent.TimeUnit;

/**
 * A connection's clocks: how long its current phase (connecting, HELLO and handshake) has run, how long since the
 * last frame arrived, and when it last sent a PING. Each tick the connection asks {@link #check} for a verdict
 * and acts on it; this class decides, the connection closes or pings. Pure arithmetic on times it is given, so
 * that tests drive it with numbers.
 *
 * <p><b>Threading.</b> The owning event loop's thread only.
 */
final class Liveness {
    /** Nothing to do. */
    static final int OK = 0;
    /** The transport connect did not complete in time. */
    static final int CONNECT_TIMEOUT = 1;
    /** HELLO and the security handshake did not complete in time. */
    static final int HANDSHAKE_TIMEOUT = 2;
    /** No frame arrived within the idle timeout. */
    static final int IDLE_TIMEOUT = 3;
    /** No frame arrived for the configured number of heartbeat intervals. */
    static final int HEARTBEATS_MISSED = 4;
    /** Quiet for a heartbeat interval: send a PING (recorded as sent). */
    static final int SEND_PING = 5;

    private final long connectTimeoutNs;
    private final long handshakeTimeoutNs;
    private final long idleTimeoutNs;
    private final long heartbeatNs;
    private final int missedHeartbeats;
    private long phaseStartNs;
    private long lastFrameNs;
    private long lastPingNs;

    Liveness(long connectTimeoutNs, long handshakeTimeoutNs, long idleTimeoutNs, long heartbeatNs,
             int missedHeartbeats, long now) {
        this.connectTimeoutNs = connectTimeoutNs;
        this.handshakeTimeoutNs = handshakeTimeoutNs;
        this.idleTimeoutNs = idleTimeoutNs;
        this.heartbeatNs = heartbeatNs;
        this.missedHeartbeats = missedHeartbeats;
        this.phaseStartNs = now;
        this.lastFrameNs = now;
        // Not 0: clock values compare only by difference and may be negative, and from 0 no ping would be due.
        this.lastPingNs = now;
    }

    /** A new phase starts (the transport connected: HELLO begins). */
    void phaseStarted(long now) {
        phaseStartNs = now;
    }

    /** A frame arrived. */
    void frameReceived(long now) {
        lastFrameNs = now;
    }

    /** Whether nothing arrived for at least {@code ns}. */
    boolean quietFor(long now, long ns) {
        return now - lastFrameNs >= ns;
    }

    /**
     * Decides what the tick must do.
     *
     * @param connecting whether the transport is still connecting
     * @param open       whether HELLO and the handshake are done
     * @return one of the verdicts of this class
     */
    int check(boolean connecting, boolean open, long now) {
        if (connecting) {
            return expired(now - phaseStartNs, connectTimeoutNs) ? CONNECT_TIMEOUT : OK;
        }
        if (!open) {
            return expired(now - phaseStartNs, handshakeTimeoutNs) ? HANDSHAKE_TIMEOUT : OK;
        }
        long quiet = now - lastFrameNs;
        if (expired(quiet, idleTimeoutNs)) {
            return IDLE_TIMEOUT;
        }
        if (heartbeatNs > 0) {
            if (quiet >= heartbeatNs * (missedHeartbeats + 1L)) {
                return HEARTBEATS_MISSED;
            }
            if (quiet >= heartbeatNs && now - lastPingNs >= heartbeatNs) {
                lastPingNs = now;
                return SEND_PING;
            }
        }
        return OK;
    }

    /** The CLOSE reason of a timeout verdict. */
    String reason(int verdict, long now) {
        return switch (verdict) {
            case CONNECT_TIMEOUT -> "transport connect did not complete within " + millis(connectTimeoutNs) + " ms";
            case HANDSHAKE_TIMEOUT -> "HELLO did not complete within " + millis(handshakeTimeoutNs) + " ms";
            case IDLE_TIMEOUT -> "no frame received for " + millis(idleTimeoutNs) + " ms";
            case HEARTBEATS_MISSED -> "peer missed " + missedHeartbeats + " heartbeats (no frame for "
                + millis(now - lastFrameNs) + " ms)";
            default -> throw new IllegalArgumentException("not a timeout: " + verdict);
        };
    }

    static boolean expired(long elapsedNs, long timeoutNs) {
        return timeoutNs > 0 && elapsedNs >= timeoutNs;
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
