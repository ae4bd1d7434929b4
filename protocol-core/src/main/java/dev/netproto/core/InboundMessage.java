package dev.netproto.core;

import dev.netproto.api.Message;
import dev.netproto.api.Peer;
import java.nio.ByteBuffer;

/**
 * A message viewed in place in the receive buffer: one instance per connection, re-pointed at each frame, valid
 * only while the handler runs (see {@link Message}). Loop thread only.
 */
final class InboundMessage implements Message {
    private final Connection connection;
    private String route;
    private int requestId;
    private PooledBuffer source;
    private int offset;
    private int length;

    InboundMessage(Connection connection) {
        this.connection = connection;
    }

    void set(String route, int requestId, PooledBuffer source, int offset, int length) {
        this.route = route;
        this.requestId = requestId;
        this.source = source;
        this.offset = offset;
        this.length = length;
    }

    void clear() {
        source = null;
    }

    @Override
    public String route() {
        return route;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public ByteBuffer body() {
        if (source == null) {
            throw new IllegalStateException("message used after its handler returned; copy what you keep");
        }
        return source.view(offset, length);
    }

    @Override
    public int bodyLength() {
        return length;
    }

    @Override
    public Peer peer() {
        return connection.peer();
    }

    @Override
    public String toString() {
        return "Message[route=" + route + ", requestId=" + requestId + ", bodyLength=" + length + "]";
    }
}
