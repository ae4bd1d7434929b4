package dev.netproto.security.noise;

/**
 * The two cipher states a completed handshake splits into, oriented for the local party: {@link #sender()} seals
 * what this party sends, {@link #receiver()} opens what it receives. The initiator sends with the specification's
 * {@code c1} and receives with {@code c2}; the responder the other way round. In a one-way pattern (N, K, X) only
 * {@code c1} exists: the initiator has no receiver and the responder no sender.
 *
 * <p>Threading: not thread-safe; owned by the connection that ran the handshake, used on its event loop thread.
 * The owner destroys it (with {@link #close()}) when the connection closes.
 */
public final class CipherStatePair implements AutoCloseable {
    private final CipherState sender;
    private final CipherState receiver;

    CipherStatePair(CipherState sender, CipherState receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }

    /**
     * Returns the cipher state that seals this party's outgoing messages.
     *
     * @return the sending cipher state
     * @throws IllegalStateException for the responder of a one-way pattern, which must never send
     */
    public CipherState sender() {
        if (sender == null) {
            throw new IllegalStateException("one-way pattern: the responder has no sending cipher state");
        }
        return sender;
    }

    /**
     * Returns the cipher state that opens the peer's messages.
     *
     * @return the receiving cipher state
     * @throws IllegalStateException for the initiator of a one-way pattern, which never receives
     */
    public CipherState receiver() {
        if (receiver == null) {
            throw new IllegalStateException("one-way pattern: the initiator has no receiving cipher state");
        }
        return receiver;
    }

    /** Destroys both cipher states. Idempotent. */
    @Override
    public void close() {
        if (sender != null) {
            sender.destroy();
        }
        if (receiver != null) {
            receiver.destroy();
        }
    }
}
