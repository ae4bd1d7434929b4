package dev.netproto.core;

import dev.netproto.api.Message;
import dev.netproto.api.Peer;
import java.nio.ByteBuffer;

/**
 * A message that owns a copy of its body: delivered through futures and to blocking handlers. Immutable.
 *
 * @param route     the route, or null for a response
 * @param requestId the request id, or 0
 * @param bytes     the body
 * @param peer      the connection's peer, which sent it
 */
record OwnedMessage(String route, int requestId, byte[] bytes, Peer peer) implements Message {

    static OwnedMessage copyOf(String route, int requestId, ByteBuffer buf, int offset, int length, Peer peer) {
        byte[] copy = new byte[length];
        buf.get(offset, copy);
        return new OwnedMessage(route, requestId, copy, peer);
    }

    @Override
    public ByteBuffer body() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Override
    public int bodyLength() {
        return bytes.length;
    }

    @Override
    public byte[] bodyBytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "Message[route=" + route + ", requestId=" + requestId + ", bodyLength=" + bytes.length + "]";
    }
}
