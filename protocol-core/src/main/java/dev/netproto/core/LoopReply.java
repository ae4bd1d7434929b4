package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.Reply;
import java.nio.ByteBuffer;

/**
 * The reply handed to a non-blocking handler: one instance per connection, re-armed for each message and disarmed
 * when the handler returns (see {@link Reply}). Loop thread only.
 */
final class LoopReply implements Reply {
    private final Connection connection;
    /** Told when the handler defers, so that its message stays valid after it returns. */
    private final InboundDispatcher dispatcher;
    private int requestId;
    private boolean armed;
    private boolean answered;
    private boolean deferred;

    LoopReply(Connection connection, InboundDispatcher dispatcher) {
        this.connection = connection;
        this.dispatcher = dispatcher;
    }

    void arm(int requestId) {
        this.requestId = requestId;
        this.armed = true;
        this.answered = false;
        this.deferred = false;
    }

    void disarm() {
        armed = false;
    }

    /** Whether a request got no answer and no deferral: the caller then sends NO_REPLY. */
    boolean unanswered() {
        return requestId != 0 && !answered && !deferred;
    }

    @Override
    public boolean send(ByteBuffer body, boolean compress) {
        if (!take()) {
            return false;
        }
        return connection.sendResponse(requestId, body, compress);
    }

    @Override
    public boolean fail(String message) {
        if (!take()) {
            return false;
        }
        return connection.sendError(requestId, ErrorCode.APPLICATION_ERROR, message);
    }

    @Override
    public boolean expectsReply() {
        return requestId != 0;
    }

    @Override
    public Reply defer() {
        checkArmed();
        if (answered || deferred) {
            throw new IllegalStateException("request " + requestId + " was already answered or deferred");
        }
        deferred = true;
        dispatcher.detachMessage();
        return new DeferredReply(connection, requestId);
    }

    private boolean take() {
        checkArmed();
        if (requestId == 0 || answered || deferred) {
            return false;
        }
        answered = true;
        return true;
    }

    private void checkArmed() {
        if (!armed) {
            throw new IllegalStateException("reply used after its handler returned; call defer() to answer later");
        }
    }
}
