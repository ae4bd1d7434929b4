package dev.netproto.security.noise;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.NoisePeerIdentity;
import dev.netproto.api.NoisePublicKey;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.spi.SecurityFailure;
import dev.netproto.api.spi.SecuritySession;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * One connection's Noise session (docs/PROTOCOL.md section 8): the protocol chosen in HELLO, the handshake over
 * HANDSHAKE frames, the checks of the peer's static key, and then the {@link NoiseRecordProtection} that seals
 * the byte stream in records.
 *
 * <p><b>Patterns.</b> XX (both static keys travel, encrypted): the server checks the client's key after the third
 * message, then answers with an empty sealed HANDSHAKE (accepted) or a sealed CLOSE {@code PEER_NOT_AUTHORIZED};
 * the client is established only once it has opened that answer. NK (the client knows the server's key and stays
 * anonymous): established after the second message on both sides.
 *
 * <p><b>The first message</b> carries the client's wall-clock time, and the server refuses it when that is further
 * from its own clock than the window ({@code TOO_OLD}, {@code TOO_NEW}). The check is stateless: nothing of a first
 * message is remembered, since it authenticates nobody and a replay of it cannot complete (docs/PROTOCOL.md section
 * 8). It runs as early as the pattern allows: under XX the timestamp is in the clear and is checked before the
 * message is read, so before any DH; under NK it is encrypted under {@code es}, so the server does that DH first.
 *
 * <p>Loop thread only.
 */
final class NoiseSecuritySession implements SecuritySession {
    private final NoiseContext ctx;
    private final boolean client;
    private String protocol;
    private HandshakeState handshake;
    private NoiseRecordProtection protection;
    private PeerIdentity peer;
    private int messagesRead;
    private boolean established;

    NoiseSecuritySession(NoiseContext ctx, boolean client) {
        this.ctx = ctx;
        this.client = client;
    }

    @Override
    public List<String> offer() {
        return ctx.protocols;
    }

    @Override
    public List<String> choose(List<String> offered) {
        protocol = ctx.choose(offered);
        if (protocol == null) {
            throw new SecurityFailure(ErrorCode.NEGOTIATION_FAILED, "no common Noise protocol: peer offers " + offered
                + ", this side accepts " + ctx.protocols);
        }
        return List.of(protocol);
    }

    @Override
    public void accept(List<String> chosen) {
        if (chosen.size() != 1 || !ctx.protocols.contains(chosen.get(0))) {
            throw new SecurityFailure(ErrorCode.NEGOTIATION_FAILED, "server answered Noise protocols " + chosen
                + " instead of exactly one of the offered " + ctx.protocols);
        }
        protocol = chosen.get(0);
    }

    /**
     * Starts the handshake. The prologue binds both HELLO payloads, so that a man in the middle who edits either
     * (to force a weaker choice) makes the handshake fail.
     */
    @Override
    public void start(byte[] clientHello, byte[] serverHello, Handshake out) {
        byte[] prologue = new byte[NoiseContext.PROLOGUE_LABEL.length + clientHello.length + serverHello.length];
        System.arraycopy(NoiseContext.PROLOGUE_LABEL, 0, prologue, 0, NoiseContext.PROLOGUE_LABEL.length);
        System.arraycopy(clientHello, 0, prologue, NoiseContext.PROLOGUE_LABEL.length, clientHello.length);
        System.arraycopy(serverHello, 0, prologue, NoiseContext.PROLOGUE_LABEL.length + clientHello.length,
            serverHello.length);
        NoiseProtocol parsed = NoiseProtocol.parse(protocol);
        boolean nk = NoiseContext.isNk(protocol);
        handshake = client
            ? HandshakeState.initiator(parsed, prologue, nk ? null : ctx.staticKeys, nk ? ctx.serverKeyBytes() : null)
            : HandshakeState.responder(parsed, prologue, ctx.staticKeys, null);
        if (client) {
            // The first message carries the wall-clock time, so that the server can refuse a stale captured one
            // before it answers; u64 milliseconds, big-endian (ByteBuffer's default order) like every integer on the
            // wire.
            byte[] timestamp = new byte[NoiseContext.TIMESTAMP_LENGTH];
            ByteBuffer.wrap(timestamp).putLong(ctx.options.clock().millis());
            out.send(writeMessage(timestamp));
        }
    }

    @Override
    public void onMessage(ByteBuffer message, Handshake out) {
        HandshakeState hs = handshake;
        if (hs == null) {
            if (client && protection != null && !established) {
                // XX: the server's sealed, empty confirmation that it accepted this client's key.
                if (message.hasRemaining()) {
                    throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "the server's acceptance carries "
                        + message.remaining() + " bytes; it must be empty");
                }
                established(out);
                return;
            }
            throw new SecurityFailure(ErrorCode.UNEXPECTED_FRAME, "HANDSHAKE frame out of turn: the Noise "
                + "handshake is over");
        }
        if (hs.isWriteTurn()) {
            throw new SecurityFailure(ErrorCode.UNEXPECTED_FRAME, "HANDSHAKE frame out of turn: this side writes "
                + "the next Noise message");
        }
        byte[] bytes = new byte[message.remaining()];
        message.get(bytes);
        try {
            int read = messagesRead++;
            boolean first = !client && read == 0;
            // Check a timestamp in the clear (XX) before reading the message; one that is encrypted (NK, under es)
            // can only be checked after reading it, which costs that DH.
            byte[] clear = first ? hs.clearPayload(bytes) : null;
            if (clear != null) {
                checkTimestamp(clear);
            }
            byte[] payload = hs.readMessage(bytes);
            if (first && clear == null) {
                checkTimestamp(payload);
            }
            if (!first && payload.length != 0) {
                if (hs.isComplete()) {
                    // The peer has split already and reads only sealed frames: seal the refusal too.
                    protectNow(out);
                }
                throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "Noise message "
                    + (client ? 2 * read + 2 : 2 * read + 1) + " carries " + payload.length
                    + " bytes of payload; every message but the first must carry none");
            }
            if (client && hs.remoteStaticKey() != null) {
                checkPeerKey(hs.remoteStaticKey());
            }
            if (!hs.isComplete()) {
                out.send(writeMessage(new byte[0]));
            }
            if (hs.isComplete()) {
                finish(out);
            }
        } catch (NoiseException | IllegalArgumentException | IllegalStateException e) {
            throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "Noise handshake failed: " + e.getMessage(), e);
        }
    }

    private byte[] writeMessage(byte[] payload) {
        return handshake.writeMessage(payload);
    }

    /** Splits the finished handshake and protects the stream from now on; returns the peer's static key. */
    private byte[] protectNow(Handshake out) {
        HandshakeState hs = handshake;
        byte[] peerStatic = hs.remoteStaticKey();
        protection = new NoiseRecordProtection(hs.split(), ctx.options.rekeyAfterMessages(),
            ctx.options.rekeyAfterBytes());
        hs.destroy();
        handshake = null;
        out.protect(protection);
        return peerStatic;
    }

    /** The handshake is complete on this side: split, check the peer, and open or wait for the verdict. */
    private void finish(Handshake out) {
        // Protect before the check: a refusal then travels sealed, which the peer can read and trust.
        byte[] peerStatic = protectNow(out);
        if (!client && peerStatic != null) {
            checkPeerKey(peerStatic);
        }
        peer = identity(peerStatic);
        if (!NoiseContext.isNk(protocol)) {
            if (client) {
                // The server checks this client's key after the last message: wait for its verdict, so that a
                // refused client fails to connect rather than on its first request.
                return;
            }
            out.send(new byte[0]);
        }
        established(out);
    }

    private void established(Handshake out) {
        established = true;
        out.established(peer);
    }

    /** The peer's identity: its static key, with its authorized_keys comment on a server; null if anonymous. */
    private PeerIdentity identity(byte[] peerStatic) {
        if (peerStatic == null) {
            return client && ctx.options.serverKey() != null ? new NoisePeerIdentity(ctx.options.serverKey(), "")
                : null;
        }
        NoisePublicKey key = NoisePublicKey.of(peerStatic);
        String comment = !client && ctx.options.authorizedKeys() != null
            ? ctx.options.authorizedKeys().commentFor(key).orElse("") : "";
        return new NoisePeerIdentity(key, comment);
    }

    /**
     * Responders: refuses a first message whose payload is not a timestamp within the window either side of this
     * side's clock (both bounds inclusive). Remembers nothing: see the class documentation.
     */
    private void checkTimestamp(byte[] payload) {
        if (payload.length != NoiseContext.TIMESTAMP_LENGTH) {
            throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "first Noise message carries " + payload.length
                + " bytes of payload, expected an " + NoiseContext.TIMESTAMP_LENGTH + "-byte timestamp");
        }
        long timestamp = ByteBuffer.wrap(payload).getLong();
        long nowMs = ctx.options.clock().millis();
        long windowMs = ctx.options.replayWindow().toMillis();
        String verdict = timestamp < nowMs - windowMs ? "TOO_OLD" : timestamp > nowMs + windowMs ? "TOO_NEW" : null;
        if (verdict != null) {
            throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "first Noise message refused (" + verdict
                + "): timestamp " + Instant.ofEpochMilli(timestamp) + ", window " + ctx.options.replayWindow()
                + " around " + Instant.ofEpochMilli(nowMs));
        }
    }

    private void checkPeerKey(byte[] peerStatic) {
        NoisePublicKey key = NoisePublicKey.of(peerStatic);
        if (ctx.accepts(key, client)) {
            return;
        }
        throw new SecurityFailure(ErrorCode.PEER_NOT_AUTHORIZED, client
            ? "server key " + key.fingerprint() + " is not the pinned key " + ctx.options.serverKey().fingerprint()
            : "client key " + key.fingerprint() + " (" + key + ") is not in the authorized keys");
    }

    @Override
    public void destroy() {
        if (handshake != null) {
            handshake.destroy();
            handshake = null;
        }
    }
}
