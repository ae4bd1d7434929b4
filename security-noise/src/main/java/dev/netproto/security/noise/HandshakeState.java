package dev.netproto.security.noise;

import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The HandshakeState of the Noise specification, revision 34, section 5.3: runs one handshake of a
 * {@link NoiseProtocol} as initiator or responder, message by message, and then splits into the two transport
 * {@link CipherState}s.
 *
 * <p>Use: create it with {@link #initiator} or {@link #responder}; while {@link #isComplete()} is false, call
 * {@link #writeMessage(byte[])} when {@link #isWriteTurn()} is true and {@link #readMessage(byte[])} with the peer's
 * next message otherwise; then take {@link #split()} and, if wanted, {@link #handshakeHash()} (for channel binding)
 * and {@link #remoteStaticKey()} (to authorise the peer), and {@link #destroy()} this object.
 *
 * <p>Failures: any failure in {@code writeMessage} or {@code readMessage} (a message that does not authenticate, a
 * malformed message, a low-order public key, a message over {@value #MAX_MESSAGE_LENGTH} bytes) throws
 * {@link NoiseException}, after which the handshake is dead: its secrets are wiped and every further call throws
 * {@link IllegalStateException}. The specification requires a failed handshake to be abandoned.
 *
 * <p>Threading: not thread-safe; owned by one connection and used only on that connection's event loop thread.
 *
 * <p>Key hygiene: the ephemeral private key is wiped as soon as the handshake completes (forward secrecy does not
 * wait for {@code destroy()}), and {@code destroy()} wipes the chaining key, the handshake hash and the inner cipher
 * state. The local static key pair belongs to the caller and is never destroyed here. What the JVM does not let us
 * wipe is listed in the package documentation.
 */
public final class HandshakeState implements AutoCloseable {
    /** The specification's limit on any Noise message, handshake or transport. */
    public static final int MAX_MESSAGE_LENGTH = 65535;

    private static final int DH_LENGTH = X25519.DH_LENGTH;
    private static final int TAG_LENGTH = CipherState.TAG_LENGTH;

    private final NoiseProtocol protocol;
    private final HandshakePattern pattern;
    private final boolean initiator;
    private final SecureRandom random;
    private final X25519 dh;
    private final SymmetricState symmetric;
    /** The local static key pair; owned by the caller. */
    private final NoiseKeyPair s;
    /** The local ephemeral key pair; owned by this object. */
    private NoiseKeyPair e;
    private byte[] rs;
    private PublicKey rsKey;
    private PublicKey reKey;
    private final byte[] dhResult = new byte[DH_LENGTH];
    private int messageIndex;
    private CipherStatePair split;
    private boolean splitTaken;
    private boolean failed;
    private boolean destroyed;

    /**
     * Initialize(): InitializeSymmetric(protocol_name), MixHash(prologue), then MixHash of each pre-message public
     * key, the initiator's first.
     */
    HandshakeState(NoiseProtocol protocol, boolean initiator, byte[] prologue, NoiseKeyPair localStatic,
        byte[] remoteStatic, SecureRandom random) {
        this.protocol = protocol;
        this.pattern = protocol.pattern;
        this.initiator = initiator;
        this.random = random;
        boolean needsLocalStatic = pattern.sends(initiator, HandshakePattern.Token.S);
        if (needsLocalStatic != (localStatic != null)) {
            throw new IllegalArgumentException("localStatic must be " + (needsLocalStatic ? "given" : "null")
                + " for the " + role() + " of " + protocol.name());
        }
        if (localStatic != null && localStatic.isDestroyed()) {
            throw new IllegalArgumentException("localStatic is destroyed");
        }
        HandshakePattern.Token[] remotePre = initiator ? pattern.responderPreMessage : pattern.initiatorPreMessage;
        boolean needsRemoteStatic = remotePre.length > 0;
        if (needsRemoteStatic != (remoteStatic != null)) {
            throw new IllegalArgumentException("remoteStatic must be " + (needsRemoteStatic ? "given (the "
                + "peer's static key is a pre-message)" : "null (the peer's static key, if any, is learned in the "
                + "handshake)") + " for the " + role() + " of " + protocol.name());
        }
        if (remoteStatic != null && remoteStatic.length != DH_LENGTH) {
            throw new IllegalArgumentException("remoteStatic must be " + DH_LENGTH + " bytes, was "
                + remoteStatic.length);
        }
        this.s = localStatic;
        this.dh = new X25519();
        this.symmetric = new SymmetricState(protocol.name(), protocol.cipher);
        symmetric.mixHash(prologue == null ? new byte[0] : prologue);
        if (remoteStatic != null) {
            rs = remoteStatic.clone();
            rsKey = dh.publicKey(rs);
        }
        mixPreMessage(pattern.initiatorPreMessage, initiator);
        mixPreMessage(pattern.responderPreMessage, !initiator);
    }

    /**
     * Creates the initiator's side of a handshake. Ephemeral keys come from a shared {@link SecureRandom}.
     *
     * @param protocol     the protocol
     * @param prologue     data both sides must agree on (for example the HELLO frames), or null for none; copied
     *                     into the hash at once
     * @param localStatic  this party's static key pair if the pattern sends or pre-shares it (X, K, I patterns),
     *                     else null; owned by the caller, who must not destroy it during the handshake
     * @param remoteStatic the responder's 32-byte static public key if the pattern has it as a pre-message (NK, KK,
     *                     XK, IK, N, K, X), else null
     * @return the handshake state
     * @throws IllegalArgumentException if a key is missing, superfluous or of the wrong length for the pattern
     */
    public static HandshakeState initiator(NoiseProtocol protocol, byte[] prologue, NoiseKeyPair localStatic,
        byte[] remoteStatic) {
        return new HandshakeState(protocol, true, prologue, localStatic, remoteStatic, Randoms.SECURE);
    }

    /**
     * Creates the responder's side of a handshake. Ephemeral keys come from a shared {@link SecureRandom}.
     *
     * @param protocol     the protocol
     * @param prologue     data both sides must agree on, or null for none
     * @param localStatic  this party's static key pair if the pattern sends or pre-shares it, else null; owned by
     *                     the caller
     * @param remoteStatic the initiator's 32-byte static public key if the pattern has it as a pre-message (KN, KK,
     *                     KX, K), else null
     * @return the handshake state
     * @throws IllegalArgumentException if a key is missing, superfluous or of the wrong length for the pattern
     */
    public static HandshakeState responder(NoiseProtocol protocol, byte[] prologue, NoiseKeyPair localStatic,
        byte[] remoteStatic) {
        return new HandshakeState(protocol, false, prologue, localStatic, remoteStatic, Randoms.SECURE);
    }

    /**
     * Sets the ephemeral key pair instead of generating one, for test vectors. Never use this in production: an
     * ephemeral key used twice breaks the handshake's security.
     *
     * @param ephemeral the key pair; this object takes ownership and destroys it
     */
    void localEphemeral(NoiseKeyPair ephemeral) {
        checkUsable();
        if (e != null || messageIndex != 0) {
            throw new IllegalStateException("the ephemeral key can only be set before the handshake starts");
        }
        e = ephemeral;
    }

    /**
     * Returns the protocol.
     *
     * @return the protocol this handshake runs
     */
    public NoiseProtocol protocol() {
        return protocol;
    }

    /**
     * Whether this is the initiator's side.
     *
     * @return true for the initiator
     */
    public boolean isInitiator() {
        return initiator;
    }

    /**
     * Whether the next step is {@link #writeMessage(byte[])}.
     *
     * @return true if the handshake is not complete and this side sends the next message
     */
    public boolean isWriteTurn() {
        return !isComplete() && (messageIndex % 2 == 0) == initiator;
    }

    /**
     * Whether all messages of the pattern were written or read.
     *
     * @return true once the handshake is complete and {@link #split()} is available
     */
    public boolean isComplete() {
        return messageIndex == pattern.messages.length;
    }

    /**
     * WriteMessage(payload): produces the next handshake message.
     *
     * @param payload the payload to carry, possibly empty; encrypted if a key exists at that point of the pattern
     * @return the message to send
     * @throws NoiseException        if the message would exceed {@value #MAX_MESSAGE_LENGTH} bytes, or a DH with
     *                               the peer's key failed; the handshake is then dead
     * @throws IllegalStateException if it is not this side's turn, the handshake is complete, failed or destroyed
     */
    public byte[] writeMessage(byte[] payload) {
        checkUsable();
        if (!isWriteTurn()) {
            throw new IllegalStateException("not the " + role() + "'s turn to write (message " + messageIndex
                + " of " + pattern.messages.length + ")");
        }
        try {
            HandshakePattern.Token[] tokens = pattern.messages[messageIndex];
            byte[] out = new byte[checkedLength(tokens, payload.length)];
            int pos = 0;
            for (HandshakePattern.Token token : tokens) {
                switch (token) {
                    case E -> {
                        if (e == null) {
                            e = NoiseKeyPair.generate(dh, random);
                        }
                        System.arraycopy(e.publicKeyRef(), 0, out, pos, DH_LENGTH);
                        symmetric.mixHash(e.publicKeyRef());
                        pos += DH_LENGTH;
                    }
                    case S -> pos += symmetric.encryptAndHash(s.publicKeyRef(), out, pos);
                    default -> mixDh(token);
                }
            }
            symmetric.encryptAndHash(payload, out, pos);
            advance();
            return out;
        } catch (RuntimeException ex) {
            fail();
            throw ex;
        }
    }

    /**
     * ReadMessage(message): processes the peer's next handshake message.
     *
     * @param message the message received
     * @return the payload it carried, possibly empty
     * @throws NoiseException        if the message does not authenticate, is malformed or too long, or carries a
     *                               low-order public key; the handshake is then dead
     * @throws IllegalStateException if it is not this side's turn to read, the handshake is complete, failed or
     *                               destroyed
     */
    public byte[] readMessage(byte[] message) {
        checkUsable();
        if (isComplete() || isWriteTurn()) {
            throw new IllegalStateException("not the " + role() + "'s turn to read (message " + messageIndex
                + " of " + pattern.messages.length + ")");
        }
        try {
            if (message.length > MAX_MESSAGE_LENGTH) {
                throw malformed("handshake message of " + message.length + " bytes exceeds the limit of "
                    + MAX_MESSAGE_LENGTH);
            }
            int pos = 0;
            for (HandshakePattern.Token token : pattern.messages[messageIndex]) {
                switch (token) {
                    case E -> {
                        requireBytes(message, pos, DH_LENGTH, "ephemeral key");
                        reKey = dh.publicKey(message, pos);
                        symmetric.mixHash(message, pos, DH_LENGTH);
                        pos += DH_LENGTH;
                    }
                    case S -> {
                        int length = symmetric.hasKey() ? DH_LENGTH + TAG_LENGTH : DH_LENGTH;
                        requireBytes(message, pos, length, "static key");
                        rs = symmetric.decryptAndHash(message, pos, length);
                        rsKey = dh.publicKey(rs);
                        pos += length;
                    }
                    default -> mixDh(token);
                }
            }
            byte[] payload = symmetric.decryptAndHash(message, pos, message.length - pos);
            advance();
            return payload;
        } catch (RuntimeException ex) {
            fail();
            throw ex;
        }
    }

    /**
     * Returns the payload of the next message to read as it stands in {@code message}, when it travels in the clear:
     * no key exists yet at the payload (no DH token before it in this message or an earlier one, and no pre-shared
     * key). Reads nothing into the handshake: the message must still go through {@link #readMessage}, which may
     * refuse it. This lets a responder look at a first message's payload before it spends any cryptography on it.
     *
     * @param message the message received, not yet read
     * @return a copy of its payload in the clear, or null if the payload will be encrypted, or the message is
     *     too short for the keys before it, or it is not this side's turn to read
     */
    byte[] clearPayload(byte[] message) {
        if (destroyed || failed || isComplete() || isWriteTurn() || symmetric.hasKey()) {
            return null;
        }
        int pos = 0;
        for (HandshakePattern.Token token : pattern.messages[messageIndex]) {
            switch (token) {
                // No key: a static key travels in the clear, like an ephemeral one.
                case E, S -> pos += DH_LENGTH;
                default -> {
                    return null;
                }
            }
        }
        return message.length < pos ? null : Arrays.copyOfRange(message, pos, message.length);
    }

    /**
     * Hands over the transport cipher states; callable once, after the handshake completed. The caller owns them.
     *
     * @return the cipher states, oriented for this side
     * @throws IllegalStateException if the handshake is not complete, or they were already taken
     */
    public CipherStatePair split() {
        checkUsable();
        if (!isComplete()) {
            throw new IllegalStateException("handshake not complete: message " + messageIndex + " of "
                + pattern.messages.length);
        }
        if (splitTaken) {
            throw new IllegalStateException("split() already taken");
        }
        splitTaken = true;
        return split;
    }

    /**
     * GetHandshakeHash: the hash of everything sent and received so far, which after completion uniquely
     * identifies the session (use it for channel binding).
     *
     * @return a copy of {@code h}
     */
    public byte[] handshakeHash() {
        checkUsable();
        return symmetric.handshakeHash();
    }

    /**
     * Returns the peer's static public key, once known: from the start if it was a pre-message, after the message
     * that carries it otherwise. A responder must check it against its authorised keys before trusting the payloads.
     *
     * @return a copy of the 32-byte key, or null if it is not known (yet, or in this pattern)
     */
    public byte[] remoteStaticKey() {
        return rs == null ? null : rs.clone();
    }

    /**
     * Wipes the handshake's secrets: the ephemeral private key, the chaining key, the handshake hash and the
     * cipher key of the handshake phase; also the split cipher states if {@link #split()} was never called. Does
     * not touch the caller's static key pair. Idempotent.
     */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        wipe();
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    /** The symmetric state, for tests. */
    SymmetricState symmetricForTest() {
        return symmetric;
    }

    /** The split cipher states, for tests; null before completion. */
    CipherStatePair splitForTest() {
        return split;
    }

    /** The ephemeral key pair, for tests; null before the first {@code e}. */
    NoiseKeyPair ephemeralForTest() {
        return e;
    }

    private void mixPreMessage(HandshakePattern.Token[] tokens, boolean local) {
        for (HandshakePattern.Token token : tokens) {
            // Only 's' is a valid pre-message token here (HandshakePattern refuses the others).
            symmetric.mixHash(local ? s.publicKeyRef() : rs);
        }
    }

    private int checkedLength(HandshakePattern.Token[] tokens, int payloadLength) {
        boolean keyed = symmetric.hasKey();
        long length = 0;
        for (HandshakePattern.Token token : tokens) {
            switch (token) {
                case E -> length += DH_LENGTH;
                case S -> length += keyed ? DH_LENGTH + TAG_LENGTH : DH_LENGTH;
                default -> keyed = true;
            }
        }
        length += keyed ? (long) payloadLength + TAG_LENGTH : payloadLength;
        if (length > MAX_MESSAGE_LENGTH) {
            throw malformed("handshake message would be " + length + " bytes, more than the limit of "
                + MAX_MESSAGE_LENGTH + " (payload " + payloadLength + " bytes)");
        }
        return (int) length;
    }

    private void mixDh(HandshakePattern.Token token) {
        NoiseKeyPair local;
        PublicKey remote;
        switch (token) {
            case EE -> {
                local = e;
                remote = reKey;
            }
            case ES -> {
                local = initiator ? e : s;
                remote = initiator ? rsKey : reKey;
            }
            case SE -> {
                local = initiator ? s : e;
                remote = initiator ? reKey : rsKey;
            }
            case SS -> {
                local = s;
                remote = rsKey;
            }
            default -> throw new IllegalArgumentException("not a DH token: " + token);
        }
        try {
            dh.agree(local.jcaPrivateKey(), remote, dhResult, 0);
            symmetric.mixKey(dhResult);
        } finally {
            Arrays.fill(dhResult, (byte) 0);
        }
    }

    private void advance() {
        messageIndex++;
        if (isComplete()) {
            CipherState[] c = symmetric.split();
            if (pattern.oneWay()) {
                c[1].destroy();
                split = initiator ? new CipherStatePair(c[0], null) : new CipherStatePair(null, c[0]);
            } else {
                split = initiator ? new CipherStatePair(c[0], c[1]) : new CipherStatePair(c[1], c[0]);
            }
            if (e != null) {
                e.destroy();
            }
        }
    }

    private void fail() {
        failed = true;
        wipe();
    }

    private void wipe() {
        symmetric.destroy();
        if (e != null) {
            e.destroy();
        }
        Arrays.fill(dhResult, (byte) 0);
        if (split != null && !splitTaken) {
            split.close();
        }
    }

    private void requireBytes(byte[] message, int pos, int length, String field) {
        if (message.length - pos < length) {
            throw malformed("handshake message " + messageIndex + " of " + message.length + " bytes is too short "
                + "for its " + field + " (" + length + " bytes at offset " + pos + ")");
        }
    }

    private static NoiseException malformed(String message) {
        return new NoiseException(NoiseException.Reason.MALFORMED_MESSAGE, message);
    }

    private String role() {
        return initiator ? "initiator" : "responder";
    }

    private void checkUsable() {
        if (destroyed) {
            throw new IllegalStateException("handshake state destroyed");
        }
        if (failed) {
            throw new IllegalStateException("handshake failed; start a new one");
        }
    }
}
