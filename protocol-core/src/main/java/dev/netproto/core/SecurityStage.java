package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import dev.netproto.api.spi.SecuritySession;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The security stage of one connection: it drives the mechanism's {@link SecuritySession} through HELLO and the
 * handshake, has the connection protect its byte stream with the session's {@link RecordProtection}, and reports
 * the outcome. Every
 * mechanism goes through here, {@code none} included, so that no connection opens without its session having
 * said {@link SecuritySession.Handshake#established established}: there is no path to plaintext.
 *
 * <p>A failure of the session ({@link SecurityFailure}, or any exception from a provider's code) closes the
 * connection with the failure's code; a provider bug reads as {@link ErrorCode#HANDSHAKE_FAILED}.
 *
 * <p><b>Threading.</b> The owning event loop's thread only; cold path (once per connection, and per HANDSHAKE
 * frame).
 */
final class SecurityStage implements SecuritySession.Handshake {

    /** What the stage tells the connection. */
    interface Events {
        /** The handshake succeeded: the connection may open. */
        void securityEstablished(PeerIdentity peer);

        /** The session refused the peer or failed: close with this code. */
        void securityFailed(ErrorCode code, String reason);

        /**
         * The session protects the byte stream from now on: bytes queued from now are sent in sealed records, and
         * bytes after the frame being handled are read as records.
         */
        void protectStream(RecordProtection protection);
    }

    private final String mechanism;
    private final SecuritySession session;
    private final FrameWriter writer;
    private final Events events;
    private byte[] helloSent;
    private boolean started;
    private boolean established;
    private RecordProtection protection;

    SecurityStage(String mechanism, SecuritySession session, FrameWriter writer, Events events) {
        this.mechanism = mechanism;
        this.session = session;
        this.writer = writer;
        this.events = events;
    }

    /** Whether the session installed a record protection, which the connection then needs until it closes. */
    boolean protectsFrames() {
        return protection != null;
    }

    /** Whether HANDSHAKE frames are expected now: after HELLO and until the session is established. */
    boolean handshaking() {
        return started && !established;
    }

    /** Client: the parameters its HELLO offers; null if the session failed (the connection is closing). */
    List<String> offer() {
        try {
            return session.offer();
        } catch (RuntimeException e) {
            fail(e);
            return null;
        }
    }

    /** Client: remembers the HELLO payload as sent, for {@link #start}. */
    void helloSent(byte[] payload) {
        helloSent = payload;
    }

    /** Server: the answer to the client's parameters; null if none is acceptable (the connection is closing). */
    List<String> choose(List<String> offered) {
        try {
            List<String> chosen = session.choose(offered);
            if (chosen.size() > 1) {
                throw new IllegalStateException("security mechanism '" + mechanism + "' chose " + chosen.size()
                    + " parameters; at most one is allowed");
            }
            return chosen;
        } catch (RuntimeException e) {
            fail(e);
            return null;
        }
    }

    /** Server: starts the handshake once its HELLO answer is queued. */
    void startServer(byte[] clientHello, byte[] serverHello) {
        start(clientHello, serverHello);
    }

    /** Client: checks the server's parameters and starts the handshake. */
    void startClient(List<String> chosen, byte[] serverHello) {
        try {
            session.accept(chosen);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        byte[] clientHello = helloSent;
        helloSent = null;
        start(clientHello, serverHello);
    }

    private void start(byte[] clientHello, byte[] serverHello) {
        started = true;
        try {
            session.start(clientHello, serverHello, this);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** A HANDSHAKE frame's payload (from an opened record, if the session protects the stream already). */
    void onHandshake(ByteBuffer b, int offset, int length) {
        try {
            session.onMessage(b.slice(offset, length), this);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void fail(RuntimeException e) {
        if (e instanceof SecurityFailure f) {
            events.securityFailed(f.code(), f.getMessage());
        } else {
            events.securityFailed(ErrorCode.HANDSHAKE_FAILED, "security mechanism '" + mechanism + "' failed: " + e);
        }
    }

    // ---------------------------------------------------------------- SecuritySession.Handshake

    @Override
    public void send(byte[] message) {
        writer.handshake(message);
    }

    @Override
    public void protect(RecordProtection protection) {
        if (this.protection != null) {
            throw new IllegalStateException("the stream is protected already; a session protects it once");
        }
        this.protection = java.util.Objects.requireNonNull(protection, "protection");
        events.protectStream(protection);
    }

    @Override
    public void established(PeerIdentity peer) {
        if (established) {
            throw new IllegalStateException("the session is established already");
        }
        established = true;
        events.securityEstablished(peer);
    }

    /** Wipes the session's and the protection's secrets. Idempotent. */
    void destroy() {
        try {
            session.destroy();
        } catch (RuntimeException e) {
            // A provider's cleanup failing must not keep the connection from closing, nor the frame keys unwiped.
            org.slf4j.LoggerFactory.getLogger(SecurityStage.class).warn("security mechanism '{}' failed to wipe its "
                + "session", mechanism, e);
        }
        if (protection != null) {
            try {
                protection.destroy();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SecurityStage.class).warn("security mechanism '{}' failed to wipe "
                    + "its record protection", mechanism, e);
            }
        }
    }
}
