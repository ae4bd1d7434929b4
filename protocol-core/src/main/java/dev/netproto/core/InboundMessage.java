package dev.netproto.core;

import dev.netproto.api.Message;
import dev.netproto.api.Peer;
import java.nio.ByteBuffer;

/**
 * A message viewed in place in the receive buffer: one instance per connection, re-pointed at each frame, valid
 * only while the handler runs (see {@link Message}). Loop thread only.
 *
 * <p><b>Use after return is always an error, never other data.</b> Every accessor checks that the message is
 * armed (its handler is running) and that the caller is the loop thread, so a handler that kept the message and
 * reads it from another thread, or after it returned, gets an {@link IllegalStateException} rather than whatever
 * request the instance views by then. The one exception is a handler that calls {@link dev.netproto.api.Reply#defer()}:
 * then this instance is {@linkplain #detach() detached}, takes a copy of its body, and stays valid on any thread for
 * as long as it is referenced, while the connection views its next messages through a new instance. So the
 * zero-copy path costs nothing extra, and only deferred requests (which allocate their reply anyway) copy.
 */
final class InboundMessage implements Message {
    private final Connection connection;
    private String route;
    private int requestId;
    private PooledBuffer source;
    private int offset;
    private int length;
    /** Whether the handler is running: set by {@link #set}, cleared by {@link #clear}. */
    private boolean armed;
    /** The body's copy once detached; then the message is valid anywhere, for good. */
    private byte[] detached;
    private Peer detachedPeer;

    InboundMessage(Connection connection) {
        this.connection = connection;
    }

    void set(String route, int requestId, PooledBuffer source, int offset, int length) {
        this.route = route;
        this.requestId = requestId;
        this.source = source;
        this.offset = offset;
        this.length = length;
        this.armed = true;
    }

    void clear() {
        source = null;
        armed = false;
    }

    /**
     * Makes this instance the deferred request's own: copies the body and the peer, so that the handler may use it
     * after returning, from any thread. The caller stops using this instance for later messages.
     */
    void detach() {
        check();
        byte[] copy = new byte[length];
        source.buf.get(offset, copy);
        detachedPeer = connection.peer();
        detached = copy;
        source = null;
        armed = false;
    }

    boolean isDetached() {
        return detached != null;
    }

    /**
     * The buffer this message's body lies in, if {@code body} is exactly the view {@link #body()} returned (same
     * object, whole body, position not moved) while the handler runs; else null. The writer may then answer with
     * that buffer itself instead of a copy.
     */
    PooledBuffer bufferOf(ByteBuffer body) {
        PooledBuffer s = source;
        if (!armed || detached != null || s == null || body != s.view || body.position() != offset
            || body.limit() != offset + length) {
            return null;
        }
        return s;
    }

    /** Where the body starts in its buffer; only while the handler runs. */
    int bodyOffset() {
        return offset;
    }

    /** Throws unless the handler is running and this is the loop thread; detached messages are always valid. */
    private void check() {
        if (detached == null && !(armed && connection.loop().inEventLoop())) {
            throw new IllegalStateException("message used after its handler returned, or from another thread"
                + " while it ran: copy what you keep (bodyBytes()), or call reply.defer() before returning to keep"
                + " the message valid");
        }
    }

    @Override
    public String route() {
        check();
        return route;
    }

    @Override
    public int requestId() {
        check();
        return requestId;
    }

    @Override
    public ByteBuffer body() {
        check();
        byte[] d = detached;
        return d != null ? ByteBuffer.wrap(d).asReadOnlyBuffer() : source.view(offset, length);
    }

    @Override
    public int bodyLength() {
        check();
        return length;
    }

    @Override
    public byte[] bodyBytes() {
        check();
        byte[] d = detached;
        if (d != null) {
            return d.clone();
        }
        byte[] copy = new byte[length];
        source.buf.get(offset, copy);
        return copy;
    }

    @Override
    public Peer peer() {
        check();
        return detached != null ? detachedPeer : connection.peer();
    }

    @Override
    public String toString() {
        return "Message[route=" + route + ", requestId=" + requestId + ", bodyLength=" + length
            + (detached != null ? ", detached" : armed ? "" : ", expired") + "]";
    }
}
