package dev.netproto.api;

/**
 * Protocol limits shared by every implementation (docs/PROTOCOL.md).
 */
public final class Limits {
    /** The largest frame payload, in bytes, any peer may announce or send: 16 MiB. Also the default maximum. */
    public static final int MAX_FRAME_LENGTH_CAP = 16 * 1024 * 1024;
    /** The smallest maximum payload length a peer may announce: 1 KiB, so HELLO and errors always fit. */
    public static final int MIN_FRAME_LENGTH = 1024;
    /** The longest route name in UTF-8 bytes. */
    public static final int MAX_ROUTE_LENGTH = 255;

    private Limits() {
    }
}
