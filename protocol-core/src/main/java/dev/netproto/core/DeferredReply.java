package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.Reply;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reply usable from any thread after the handler returned. The first answer wins; it is written directly when
 * called on the connection's loop, and otherwise copied and handed to the loop.
 */
final class DeferredReply implements Reply {
    private final Connection connection;
    private final int requestId;
    private final AtomicBoolean answered = new AtomicBoolean();

    DeferredReply(Connection connection, int requestId) {
        this.connection = connection;
        this.requestId = requestId;
    }

    boolean isAnswered() {
        return answered.get();
    }

    @Override
    public boolean send(ByteBuffer body, boolean compress) {
        if (!take()) {
            return false;
        }
        if (connection.loop().inEventLoop()) {
            return connection.sendResponse(requestId, body, compress);
        }
        byte[] copy = new byte[body.remaining()];
        body.get(body.position(), copy);
        return handOff(() -> connection.sendResponse(requestId, ByteBuffer.wrap(copy), compress));
    }

    @Override
    public boolean fail(String message) {
        return error(ErrorCode.APPLICATION_ERROR, message);
    }

    /** Answers with an error of any request-level code. */
    boolean error(ErrorCode code, String message) {
        if (!take()) {
            return false;
        }
        if (connection.loop().inEventLoop()) {
            return connection.sendError(requestId, code, message);
        }
        return handOff(() -> connection.sendError(requestId, code, message));
    }

    @Override
    public boolean expectsReply() {
        return requestId != 0;
    }

    @Override
    public Reply defer() {
        return this;
    }

    private boolean take() {
        return requestId != 0 && answered.compareAndSet(false, true);
    }

    private boolean handOff(Runnable task) {
        if (!connection.isOpen()) {
            return false;
        }
        try {
            connection.loop().execute(task);
            return true;
        } catch (OverloadedException e) {
            return false;
        }
    }
}
