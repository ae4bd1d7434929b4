package dev.netproto.core;

import java.util.concurrent.TimeUnit;

/**
 * The liveness rules of one server's or client's connections: how long the transport connect and the HELLO and
 * security handshake may take, how long an open connection may receive nothing, and when to send PING or give up
 * on a peer that misses heartbeats. Each tick the connection asks {@link #check} for a verdict on its three times
 * (when its phase started, when the last frame arrived, when it last sent PING) and acts on it; this class
 * decides, the connection closes or pings.
 *
 * <p>The times live in the connection, not here, so that an idle connection pays three longs for its liveness
 * and not an object: this class is immutable, shared by every connection of its server or client, and pure
 * arithmetic on the times it is given, so that tests drive it with numbers. Times compare only by difference
 * ({@link dev.netproto.api.NanoClock} has an arbitrary origin).
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
    /** Quiet for a heartbeat interval and no PING within one: send a PING now (and record when). */
    static final int SEND_PING = 5;

    private final long connectTimeoutNs;
    private final long handshakeTimeoutNs;
    private final long idleTimeoutNs;
    private final long frameTimeoutNs;
    private final long heartbeatNs;
    private final int missedHeartbeats;

    /**
     * @param connectTimeoutNs   clients: how long the transport connect may take; 0 for no limit
     * @param handshakeTimeoutNs how long HELLO and the handshake may take; 0 for no limit
     * @param idleTimeoutNs      close an open connection after this long without a frame; 0 for no limit
     * @param frameTimeoutNs     close when a frame is incomplete this long (plus its length's allowance) after its
     *                           first byte; 0 for no limit
     * @param heartbeatNs        PING after this long without a frame; 0 for no heartbeats
     * @param missedHeartbeats   intervals without a frame, after the first, before the peer is dead
     */
    Liveness(long connectTimeoutNs, long handshakeTimeoutNs, long idleTimeoutNs, long frameTimeoutNs,
             long heartbeatNs, int missedHeartbeats) {
        this.connectTimeoutNs = connectTimeoutNs;
        this.handshakeTimeoutNs = handshakeTimeoutNs;
        this.idleTimeoutNs = idleTimeoutNs;
        this.frameTimeoutNs = frameTimeoutNs;
        this.heartbeatNs = heartbeatNs;
        this.missedHeartbeats = missedHeartbeats;
    }

    /**
     * Decides what the tick must do.
     *
     * @param connecting   whether the transport is still connecting
     * @param open         whether HELLO and the handshake are done
     * @param now          the connection's clock, read once for the tick
     * @param phaseStartNs when the current phase (connecting, then HELLO) started
     * @param lastFrameNs  when the last frame arrived (or the connection was created)
     * @param lastPingNs   when the last PING was sent (or the connection was created)
     * @return one of the verdicts of this class; on {@link #SEND_PING} the caller records {@code now} as the time
     *     of its last PING
     */
    int check(boolean connecting, boolean open, long now, long phaseStartNs, long lastFrameNs, long lastPingNs) {
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
                return SEND_PING;
            }
        }
        return OK;
    }

    /**
     * Whether a frame whose first byte arrived {@code elapsedNs} ago and that is still incomplete has overstayed:
     * the frame timeout plus one second per {@link dev.netproto.api.ConnectionOptions#FRAME_ALLOWANCE_BYTES_PER_SECOND}
     * bytes of its length.
     *
     * @param elapsedNs   time since the frame's first byte arrived
     * @param frameLength the frame's whole length with its header, or 0 while the header is incomplete
     * @return whether to close the connection
     */
    boolean frameExpired(long elapsedNs, long frameLength) {
        return frameTimeoutNs > 0 && elapsedNs >= frameAllowanceNs(frameLength);
    }

    /** How long a frame of this length may take to arrive. */
    long frameAllowanceNs(long frameLength) {
        return frameTimeoutNs + frameLength * 1_000_000_000L
            / dev.netproto.api.ConnectionOptions.FRAME_ALLOWANCE_BYTES_PER_SECOND;
    }

    /** The CLOSE reason of a timeout verdict. */
    String reason(int verdict, long now, long lastFrameNs) {
        return switch (verdict) {
            case CONNECT_TIMEOUT -> "transport connect did not complete within " + millis(connectTimeoutNs) + " ms";
            case HANDSHAKE_TIMEOUT -> "HELLO did not complete within " + millis(handshakeTimeoutNs) + " ms";
            case IDLE_TIMEOUT -> "no frame received for " + millis(idleTimeoutNs) + " ms";
            case HEARTBEATS_MISSED -> "peer missed " + missedHeartbeats + " heartbeats (no frame for "
                + millis(now - lastFrameNs) + " ms)";
            default -> throw new IllegalArgumentException("not a timeout: " + verdict);
        };
    }

    /** Whether nothing arrived for at least {@code ns}. */
    static boolean quietFor(long now, long lastFrameNs, long ns) {
        return now - lastFrameNs >= ns;
    }

    static boolean expired(long elapsedNs, long timeoutNs) {
        return timeoutNs > 0 && elapsedNs >= timeoutNs;
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
