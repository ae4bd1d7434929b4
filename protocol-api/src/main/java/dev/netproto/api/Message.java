package dev.netproto.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A message received from a peer: a request, a one-way message or a response.
 *
 * <p><b>Lifetime.</b> A message passed to a non-blocking {@link Handler} is a view over the connection's receive
 * buffer, valid only on the event loop and only until the handler returns: copy what you keep (for example with
 * {@link #bodyBytes()}). Using it afterwards, or from another thread, throws {@link IllegalStateException}: never
 * another request's data. A handler that answers later calls {@link Reply#defer()} before it returns; its message
 * then owns a copy of its body and stays valid on any thread. A {@link java.nio.ByteBuffer} returned by
 * {@link #body()} is a view valid only while the handler runs (call {@code body()} again after deferring). A message
 * delivered through a {@link java.util.concurrent.CompletableFuture}, or to a blocking handler, owns its bytes and
 * stays valid. This lets the receive path of a non-blocking handler that answers at once allocate nothing per
 * message.
 */
public interface Message {

    /**
     * Returns the route the sender addressed.
     *
     * @return the route name, or {@code null} for a response
     */
    String route();

    /**
     * Returns the request id that correlates a request with its response.
     *
     * @return the id, or 0 for a one-way message
     */
    int requestId();

    /**
     * Returns the body as a read-only buffer positioned at its first byte.
     *
     * @return the body; each call returns a buffer positioned at the start
     */
    ByteBuffer body();

    /**
     * Returns the body's length in bytes.
     *
     * @return the number of body bytes
     */
    int bodyLength();

    /**
     * Returns the peer that sent this message: its address, transport, security mechanism and authenticated
     * identity, so that a handler can authorize per client. For a response, the server that answered.
     *
     * @return the sending peer; the same instance for every message of one connection
     */
    Peer peer();

    /**
     * Copies the body into a new array.
     *
     * @return a copy of the body
     */
    default byte[] bodyBytes() {
        ByteBuffer b = body();
        byte[] copy = new byte[b.remaining()];
        b.get(copy);
        return copy;
    }

    /**
     * Decodes the body as UTF-8 text.
     *
     * @return the body as a string
     */
    default String bodyText() {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }
}
