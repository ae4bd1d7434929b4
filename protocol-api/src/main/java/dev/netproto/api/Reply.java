package dev.netproto.api;

import java.nio.ByteBuffer;

/**
 * Answers the message a {@link Handler} is handling.
 *
 * <p><b>Threading and lifetime.</b> The reply given to a non-blocking handler may be used only on the calling
 * thread and only until the handler returns. To answer later, or from another thread, call {@link #defer()} during
 * the call and use the reply it returns: deferring also keeps the handler's {@link Message} valid after it returns,
 * on any thread (the message then owns a copy of its body). The reply given to a blocking handler is already
 * deferred.
 *
 * <p>A request gets exactly one answer: the first {@code send} or {@code fail} wins and later ones return
 * {@code false}. If a non-blocking handler returns without answering a request and without deferring, the peer
 * receives {@link ErrorCode#NO_REPLY}, so that no request is left hanging.
 */
public interface Reply {

    /**
     * Sends the response. The bytes are copied before this returns, so the caller may reuse the buffer.
     *
     * @param body the response body, from its position to its limit; the position is not changed
     * @return {@code true} if the response was queued; {@code false} if the message was one-way, it was already
     *     answered, or the connection is closed, or if the response was answered with an ERROR instead: too large
     *     for the requester ({@link ErrorCode#MESSAGE_TOO_LARGE}), or for the server's memory budget now
     *     ({@link ErrorCode#OVERLOADED}; see {@link ServerBuilder#memoryBudget(long)})
     */
    default boolean send(ByteBuffer body) {
        return send(body, true);
    }

    /**
     * Sends the response, saying whether it may be compressed; pass {@code false} for a body that mixes secrets
     * with data the requester controls (see {@link Client#request(String, ByteBuffer, boolean)}).
     *
     * @param body     the response body, from its position to its limit; the position is not changed
     * @param compress whether the body may be compressed, when compression was negotiated
     * @return as {@link #send(ByteBuffer)}
     */
    boolean send(ByteBuffer body, boolean compress);

    /**
     * Sends the response from an array.
     *
     * @param body the response body
     * @return as {@link #send(ByteBuffer)}
     */
    default boolean send(byte[] body) {
        return send(ByteBuffer.wrap(body));
    }

    /**
     * Answers the request with an application failure; the requester's future completes with a
     * {@link RemoteException} of code {@link ErrorCode#APPLICATION_ERROR} carrying this text.
     *
     * @param message what went wrong, for the requester
     * @return as {@link #send(ByteBuffer)}
     */
    boolean fail(String message);

    /**
     * Tells whether the message expects an answer.
     *
     * @return {@code true} for a request, {@code false} for a one-way message
     */
    boolean expectsReply();

    /**
     * Returns a reply that stays valid after the handler returns and may be used from any thread.
     *
     * @return a thread-safe reply for the same request
     */
    Reply defer();
}
