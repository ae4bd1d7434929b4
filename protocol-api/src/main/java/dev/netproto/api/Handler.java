package dev.netproto.api;

/**
 * Handles the messages sent to one route.
 *
 * <p>By default a handler runs on the connection's event loop: it must not block, and the {@link Message} and
 * {@link Reply} it receives are valid only during the call. A handler registered with
 * {@link ServerBuilder#blockingRoute(String, Handler)} runs on an executor instead (virtual threads unless configured
 * otherwise) and receives an owned message and a deferred reply.
 *
 * <p>A handler that throws answers a request with {@link ErrorCode#HANDLER_FAILED}; the connection stays up.
 */
@FunctionalInterface
public interface Handler {

    /**
     * Called for each request or one-way message on the route.
     *
     * @param message the message
     * @param reply   answers a request; ignores answers to one-way messages
     * @throws Exception any failure, reported to the requester as {@link ErrorCode#HANDLER_FAILED}
     */
    void onMessage(Message message, Reply reply) throws Exception;
}
