package dev.netproto.api.spi;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.PeerIdentity;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One connection's security: it negotiates its parameters in HELLO, runs its handshake over HANDSHAKE frames,
 * names the authenticated peer, and protects the byte stream that follows. Created by
 * {@link SecurityMechanism#newSession}; driven by the connection's event loop only, so it needs no locking, but it
 * must not block.
 *
 * <p><b>Order of calls.</b> A client calls {@link #offer()} for its HELLO; the server calls {@link #choose} on
 * the client's offer and answers with the result; the client checks that answer with {@link #accept}. Both then
 * call {@link #start} with both HELLO payloads, and {@link #onMessage} for each HANDSHAKE frame received, until the
 * session calls {@link Handshake#established}. The connection takes requests only from then on. Any method may
 * throw {@link SecurityFailure} to close the connection with its code.
 *
 * <p><b>HANDSHAKE frames.</b> Before {@link Handshake#protect} they travel in the clear, and after it inside the
 * sealed records of the protection given. A mechanism must not trust anything in a clear frame that its handshake
 * does not authenticate.
 */
public interface SecuritySession {

    /**
     * Clients: the parameters offered in HELLO's SECURITY_PARAMETERS option, in preference order.
     *
     * @return the names; empty (the default) for a mechanism without parameters
     */
    default List<String> offer() {
        return List.of();
    }

    /**
     * Servers: chooses from the client's offered parameters.
     *
     * @param offered the client's SECURITY_PARAMETERS, possibly empty
     * @return the answer: empty, or one name (more are not allowed); the default chooses nothing
     * @throws SecurityFailure with {@link ErrorCode#NEGOTIATION_FAILED} when nothing offered is acceptable
     */
    default List<String> choose(List<String> offered) {
        return List.of();
    }

    /**
     * Clients: checks the server's answer to {@link #offer()}.
     *
     * @param chosen the server's SECURITY_PARAMETERS, possibly empty
     * @throws SecurityFailure with {@link ErrorCode#NEGOTIATION_FAILED} when it is not a valid answer; the default
     *     refuses any non-empty answer, since it offered nothing
     */
    default void accept(List<String> chosen) {
        if (!chosen.isEmpty()) {
            throw new SecurityFailure(ErrorCode.NEGOTIATION_FAILED, "server chose security parameters " + chosen
                + ", this side offered none");
        }
    }

    /**
     * Starts the handshake once HELLO is complete. A mechanism without a handshake calls
     * {@link Handshake#established} here; an initiator sends its first message.
     *
     * @param clientHello the client's HELLO payload as sent, for binding the handshake to the negotiation
     * @param serverHello the server's HELLO payload as sent
     * @param handshake   the connection's side of the handshake
     */
    void start(byte[] clientHello, byte[] serverHello, Handshake handshake);

    /**
     * Handles one HANDSHAKE frame's payload (from an opened record, if a protection is in place).
     *
     * @param message   the payload, positioned at its first byte; valid only during the call
     * @param handshake the connection's side of the handshake
     * @throws SecurityFailure when the message does not verify, or arrives out of turn; the default refuses every
     *     message, for mechanisms without a handshake
     */
    default void onMessage(ByteBuffer message, Handshake handshake) {
        throw new SecurityFailure(ErrorCode.UNEXPECTED_FRAME, "HANDSHAKE frame, but this security mechanism has no "
            + "handshake");
    }

    /**
     * Wipes the session's secrets. Called once: when the connection closes, or as soon as the session is
     * established if it installed no {@link RecordProtection} (it has nothing left to do, and an idle connection
     * should not carry it). The default does nothing.
     */
    default void destroy() {
    }

    /**
     * The connection's side of a handshake, implemented by the core. Loop thread only, during the session's calls.
     */
    interface Handshake {

        /**
         * Sends one HANDSHAKE frame, inside sealed records once {@link #protect} has been called.
         *
         * @param message the frame's payload; copied
         */
        void send(byte[] message);

        /**
         * Protects the byte stream from now on, in both directions: every byte sent after this call travels in
         * sealed records, and every byte received after the HANDSHAKE frame being handled (or, when called from
         * {@link SecuritySession#start}, after HELLO) is read as sealed records. Both sides must call it at the same
         * point of the handshake, which the mechanism's specification fixes.
         *
         * @param protection the session's record protection
         */
        void protect(RecordProtection protection);

        /**
         * Ends the handshake: the connection is open for requests.
         *
         * @param peer the peer's authenticated identity, or {@code null} for an anonymous peer
         */
        void established(PeerIdentity peer);
    }
}
