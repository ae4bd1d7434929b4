package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the handlers of a connection's incoming REQUEST and MESSAGE frames: admission (the in-flight limit, and
 * NOT_PROCESSED after this side sent GOAWAY), route lookup, decompression once the route is known, and dispatch,
 * either in place on the loop (the handler sees a view of the receive buffer) or as a copy on the blocking
 * executor. It makes sure every admitted request gets exactly one answer: HANDLER_FAILED when the handler throws,
 * NO_REPLY when it returns without answering.
 *
 * <p><b>Threading.</b> The owning event loop's thread only; blocking handlers run on the executor and answer
 * through {@link DeferredReply}, which hands the answer back to the loop.
 */
final class InboundDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(InboundDispatcher.class);

    private final Connection connection;
    private final Settings settings;
    private final FrameWriter writer;
    private final BodyInflater inflater;
    private final LoopCounters counters;
    /** The handler's message view and reply; created with the first request handled on the loop (idle: null). */
    private InboundMessage inbound;
    private LoopReply reply;
    private int inFlight;
    private int lastRequestIdReceived;
    private boolean goAwaySent;

    InboundDispatcher(Connection connection, Settings settings, FrameWriter writer, BodyInflater inflater,
                      LoopCounters counters) {
        this.connection = connection;
        this.settings = settings;
        this.writer = writer;
        this.inflater = inflater;
        this.counters = counters;
    }

    /** Whether GOAWAY was sent: new requests are answered NOT_PROCESSED, new messages dropped. */
    boolean goAwaySent() {
        return goAwaySent;
    }

    /** Records that GOAWAY is being sent; returns the last request id received, which it carries. */
    int goAway() {
        goAwaySent = true;
        return lastRequestIdReceived;
    }

    /**
     * The running handler deferred its answer: its message becomes its own (a copy of the body, valid on any
     * thread after the handler returns), and later messages are viewed through a new instance.
     */
    void detachMessage() {
        InboundMessage current = inbound;
        if (current != null && !current.isDetached()) {
            current.detach();
            inbound = null;
        }
    }

    /** The message whose handler runs on the loop now, or null; it may be detached or disarmed. */
    InboundMessage current() {
        return inbound;
    }

    /** An admitted request was answered: it no longer counts against the in-flight limit. */
    void answered() {
        if (inFlight > 0) {
            inFlight--;
        }
    }

    /** A REQUEST (non-zero id) or MESSAGE (id 0) whose route length the reader checked. */
    void onRequest(PooledBuffer src, int requestId, boolean compressed, int offset, int length, int routeLength) {
        if (requestId != 0 && !admit(requestId)) {
            return;
        }
        if (requestId == 0 && goAwaySent) {
            return;
        }
        ByteBuffer b = src.buf;
        RouteTable.Route route = settings.routes().find(b, offset + 1, routeLength);
        if (route == null) {
            onUnknownRoute(b, requestId, offset + 1, routeLength);
            return;
        }
        int bodyOffset = offset + 1 + routeLength;
        int bodyLength = length - 1 - routeLength;
        PooledBuffer body = src;
        if (compressed) {
            // Decompressed only once the route is known: an unknown route costs no decompression.
            body = inflater.inflate(src, bodyOffset, bodyLength);
            if (body == null) {
                if (inflater.refusedForMemory()) {
                    if (requestId != 0) {
                        answered();
                    }
                    connection.refuseForMemory(requestId, "decompressing a body of " + bodyLength + " bytes");
                }
                return;
            }
            bodyOffset = 0;
            bodyLength = body.buf.limit();
        }
        try {
            if (route.blocking) {
                dispatchBlocking(route, requestId, OwnedMessage.copyOf(route.nameString, requestId, body.buf,
                    bodyOffset, bodyLength, connection.peer()));
            } else {
                dispatch(route, requestId, body, bodyOffset, bodyLength);
            }
        } finally {
            if (body != src) {
                inflater.release(body);
            }
        }
    }

    /**
     * Decides whether a request is processed: not after this side sent GOAWAY (NOT_PROCESSED: safe to retry), not
     * beyond the in-flight limit (OVERLOADED). Counts it as in flight when it is.
     */
    private boolean admit(int requestId) {
        if (goAwaySent) {
            counters.error(ErrorCode.NOT_PROCESSED);
            writer.error(requestId, ErrorCode.NOT_PROCESSED,
                "not processed: the server is shutting down (GOAWAY sent)");
            return false;
        }
        if (inFlight >= settings.maxInFlight()) {
            counters.error(ErrorCode.OVERLOADED);
            writer.error(requestId, ErrorCode.OVERLOADED, inFlight + " requests in flight on this connection,"
                + " the maximum; not processed");
            return false;
        }
        lastRequestIdReceived = requestId;
        inFlight++;
        return true;
    }

    private void dispatch(RouteTable.Route route, int requestId, PooledBuffer src, int bodyOffset, int bodyLength) {
        if (reply == null) {
            reply = new LoopReply(connection, this);
        }
        InboundMessage inbound = this.inbound;
        if (inbound == null) {
            // First request, or the previous instance was detached by a deferred handler.
            inbound = new InboundMessage(connection);
            this.inbound = inbound;
        }
        LoopReply reply = this.reply;
        inbound.set(route.nameString, requestId, src, bodyOffset, bodyLength);
        reply.arm(requestId);
        try {
            route.handler.onMessage(inbound, reply);
        } catch (Exception e) {
            onHandlerFailure(route, requestId, e);
            if (reply.unanswered()) {
                connection.sendError(requestId, ErrorCode.HANDLER_FAILED, "handler for route '" + route.nameString
                    + "' failed: " + e);
            }
            return;
        } finally {
            reply.disarm();
            if (!inbound.isDetached()) {
                inbound.clear();
            }
        }
        if (reply.unanswered()) {
            connection.sendError(requestId, ErrorCode.NO_REPLY,
                "handler for route '" + route.nameString + "' returned without replying");
        }
    }

    private void dispatchBlocking(RouteTable.Route route, int requestId, OwnedMessage message) {
        DeferredReply deferred = new DeferredReply(connection, requestId);
        try {
            settings.blockingExecutor().execute(() -> runBlocking(route, message, deferred));
        } catch (RejectedExecutionException e) {
            deferred.error(ErrorCode.OVERLOADED, "blocking executor refused the request for route '"
                + route.nameString + "'");
        }
    }

    private void runBlocking(RouteTable.Route route, OwnedMessage message, DeferredReply deferred) {
        try {
            route.handler.onMessage(message, deferred);
            if (deferred.expectsReply() && !deferred.isAnswered()) {
                deferred.error(ErrorCode.NO_REPLY, "handler for route '" + route.nameString
                    + "' returned without replying");
            }
        } catch (Exception e) {
            onHandlerFailure(route, message.requestId(), e);
            deferred.error(ErrorCode.HANDLER_FAILED, "handler for route '" + route.nameString + "' failed: " + e);
        }
    }

    private void onHandlerFailure(RouteTable.Route route, int requestId, Exception e) {
        LOG.warn("{}: handler for route '{}' failed on request {}", connection, route.nameString,
            Integer.toUnsignedString(requestId), e);
    }

    private void onUnknownRoute(ByteBuffer b, int requestId, int routeOffset, int routeLength) {
        String name = Texts.decode(b, routeOffset, routeLength);
        if (requestId != 0) {
            connection.sendError(requestId, ErrorCode.UNKNOWN_ROUTE, "unknown route '" + name + "'");
        } else {
            counters.error(ErrorCode.UNKNOWN_ROUTE);
            LOG.debug("{}: dropped a one-way message to unknown route '{}'", connection, name);
        }
    }
}
