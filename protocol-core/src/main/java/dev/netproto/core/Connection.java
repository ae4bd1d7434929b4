package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.FLAGS_OFFSET;
import static dev.netproto.core.FrameDescriptor.HEADER_LENGTH;
import static dev.netproto.core.FrameDescriptor.LENGTH_OFFSET;
import static dev.netproto.core.FrameDescriptor.MAGIC;
import static dev.netproto.core.FrameDescriptor.MAGIC_OFFSET;
import static dev.netproto.core.FrameDescriptor.MAX_TEXT_LENGTH;
import static dev.netproto.core.FrameDescriptor.MAX_TYPE;
import static dev.netproto.core.FrameDescriptor.PING_PAYLOAD_LENGTH;
import static dev.netproto.core.FrameDescriptor.PRE_HELLO_MAX_LENGTH;
import static dev.netproto.core.FrameDescriptor.REQUEST_ID_OFFSET;
import static dev.netproto.core.FrameDescriptor.RESERVED16_OFFSET;
import static dev.netproto.core.FrameDescriptor.RESERVED8_OFFSET;
import static dev.netproto.core.FrameDescriptor.TYPE_CLOSE;
import static dev.netproto.core.FrameDescriptor.TYPE_ERROR;
import static dev.netproto.core.FrameDescriptor.TYPE_GOAWAY;
import static dev.netproto.core.FrameDescriptor.TYPE_HANDSHAKE;
import static dev.netproto.core.FrameDescriptor.TYPE_HELLO;
import static dev.netproto.core.FrameDescriptor.TYPE_MESSAGE;
import static dev.netproto.core.FrameDescriptor.TYPE_OFFSET;
import static dev.netproto.core.FrameDescriptor.TYPE_PING;
import static dev.netproto.core.FrameDescriptor.TYPE_PONG;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;
import static dev.netproto.core.FrameDescriptor.TYPE_RESPONSE;
import static dev.netproto.core.FrameDescriptor.VERSION;
import static dev.netproto.core.FrameDescriptor.VERSION_OFFSET;

import dev.netproto.api.Client;
import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.RemoteException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection, server or client side: it decodes frames from the socket, negotiates HELLO, dispatches requests
 * to routes, matches responses to pending requests, and queues outbound frames.
 *
 * <p><b>Single writer.</b> All state is written by the owning {@link EventLoop}'s thread only. Other threads read
 * {@link #state} and {@link #peerMaxFrameLength} (both volatile) and otherwise reach the connection through
 * loop tasks.
 *
 * <p><b>Reading.</b> Bytes are read into the loop's shared read buffer and complete frames are handled in place.
 * The remainder of a frame cut by the read boundary moves to a pooled {@code spill} buffer sized for the whole
 * frame, into which the next reads go. A frame's length is checked against the limit as soon as its header is
 * complete, before any room is made for its payload.
 *
 * <p><b>Closing.</b> A protocol error sends CLOSE with its code, shuts down output once that is written, and then
 * discards input until the peer closes or {@link #LINGER_TIMEOUT_NS} passes. Closing the socket with unread input
 * would make the kernel send RST, which can destroy the CLOSE frame before the peer reads it.
 */
final class Connection implements EventLoop.Selectable {
    static final int CONNECTING = 0;
    static final int AWAIT_HELLO = 1;
    static final int OPEN = 2;
    static final int CLOSING = 3;
    static final int CLOSED = 4;

    /** How long a closing connection waits for the peer to close before it closes anyway. */
    static final long LINGER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);
    /** How much input a closing connection discards before it closes anyway. */
    static final int LINGER_MAX_BYTES = 256 * 1024;
    /** Reads per readiness event, so that one busy connection cannot starve the others on its loop. */
    static final int MAX_READS_PER_EVENT = 4;
    /** Smallest spill buffer, for a remainder whose header is not complete yet. */
    static final int MIN_SPILL = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final EventLoop loop;
    private final SocketChannel channel;
    private final boolean client;
    private final Settings settings;
    private final String description;
    private final LoopCounters counters;
    private final Outbound outbound;
    private final InboundMessage inbound = new InboundMessage();
    private final LoopReply reply = new LoopReply(this);
    private final IntObjectMap<PendingRequest> pending;

    /** Index in the loop's connection array; written by {@link EventLoop}. */
    int loopIndex = -1;

    private volatile int state;
    private volatile int peerMaxFrameLength = PRE_HELLO_MAX_LENGTH;
    private volatile boolean goAwayReceived;

    private SelectionKey key;
    private PooledBuffer spill;
    private boolean dirty;
    private boolean writeInterest;
    private boolean outputShutdown;
    private boolean inRead;
    private int payloadOffset;
    private int nextRequestId = 1;
    private int lingerBytes;
    private EventLoop.Timer timer;
    private ErrorCode closeCode = ErrorCode.NORMAL;
    private String closeReason = "closed";
    private CompletableFuture<Client> ready;
    private Client owner;

    Connection(EventLoop loop, SocketChannel channel, boolean client, Settings settings, String peer) {
        this.loop = loop;
        this.channel = channel;
        this.client = client;
        this.settings = settings;
        this.description = "conn#" + IDS.incrementAndGet() + " " + peer;
        this.counters = loop.counters();
        this.outbound = new Outbound(loop.pool());
        this.pending = new IntObjectMap<>(client ? 64 : 8);
        this.state = client ? CONNECTING : AWAIT_HELLO;
    }

    EventLoop loop() {
        return loop;
    }

    boolean isOpen() {
        return state == OPEN;
    }

    int peerMaxFrameLength() {
        return peerMaxFrameLength;
    }

    @Override
    public String toString() {
        return description;
    }

    // ---------------------------------------------------------------- start

    /** Server side: registers an accepted channel. Loop thread. */
    void startAccepted() throws IOException {
        key = loop.register(channel, SelectionKey.OP_READ, this);
        opened();
    }

    /** Client side: registers the connecting channel and arms the connect timeout. Loop thread. */
    void startClient(Client owner, CompletableFuture<Client> ready) {
        this.owner = owner;
        this.ready = ready;
        try {
            boolean connected = channel.isConnected();
            key = loop.register(channel, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            opened();
            timer = loop.schedule(settings.connectTimeoutNs(), this::onConnectTimeout);
            if (connected) {
                onConnected();
            }
        } catch (IOException e) {
            closeNow(ErrorCode.TRANSPORT_ERROR, "connect failed: " + e.getMessage(), e);
        }
    }

    private void opened() {
        loop.addConnection(this);
        counters.increment(LoopCounters.CONNECTIONS_OPENED);
        counters.increment(LoopCounters.CONNECTIONS_ACTIVE);
    }

    private void onConnected() {
        key.interestOps(SelectionKey.OP_READ);
        state = AWAIT_HELLO;
        Hello hello = new Hello(new byte[] {VERSION}, settings.maxFrameLength(), List.of(settings.security()),
            List.of());
        ByteBuffer out = frame(TYPE_HELLO, 0, hello.encodedLength());
        hello.encode(out, payloadOffset);
    }

    private void onConnectTimeout() {
        if (state < OPEN) {
            long ms = TimeUnit.NANOSECONDS.toMillis(settings.connectTimeoutNs());
            closeWithError(ErrorCode.TIMEOUT, "connect and HELLO did not complete within " + ms + " ms");
        }
    }

    // ---------------------------------------------------------------- readiness

    @Override
    public void onSelected(SelectionKey k) throws IOException {
        int ops = k.readyOps();
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            if (!channel.finishConnect()) {
                return;
            }
            onConnected();
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            flush();
        }
        if ((ops & SelectionKey.OP_READ) != 0 && state != CLOSED) {
            onReadable();
        }
    }

    @Override
    public void onFailure(Throwable failure) {
        if (failure instanceof IOException e) {
            onTransportFailure(e);
        } else {
            LOG.error("{}: unexpected failure; closing the connection", description, failure);
            closeWithError(ErrorCode.INTERNAL_ERROR, "internal error: " + failure);
            if (state != CLOSED) {
                closeNow(ErrorCode.INTERNAL_ERROR, "internal error: " + failure, failure);
            }
        }
    }

    private void onTransportFailure(IOException e) {
        if (state == CLOSING) {
            closeNow(closeCode, closeReason, null);
            return;
        }
        String what = state == CONNECTING ? "connect failed: " : "transport failed: ";
        LOG.debug("{}: {}{}", description, what, e.toString());
        if (state != CONNECTING) {
            counters.error(ErrorCode.TRANSPORT_ERROR);
        }
        closeNow(ErrorCode.TRANSPORT_ERROR, what + e.getMessage(), e);
    }

    private void onReadable() throws IOException {
        inRead = true;
        try {
            for (int i = 0; i < MAX_READS_PER_EVENT && state != CLOSED; i++) {
                if (state == CLOSING) {
                    discardInput();
                    return;
                }
                PooledBuffer target = spill != null ? spill : loop.readBuffer();
                ByteBuffer buf = target.buf;
                int room = buf.remaining();
                int n = channel.read(buf);
                if (n < 0) {
                    onEndOfStream();
                    return;
                }
                if (n == 0) {
                    return;
                }
                counters.add(LoopCounters.BYTES_RECEIVED, n);
                buf.flip();
                decode(target);
                if (state >= CLOSING) {
                    return;
                }
                if (buf.hasRemaining()) {
                    keepRemainder(target);
                } else if (target == spill) {
                    releaseSpill();
                } else {
                    buf.clear();
                }
                if (n < room) {
                    return;
                }
            }
        } finally {
            inRead = false;
            loop.readBuffer().buf.clear();
            if (state >= CLOSING) {
                releaseSpill();
            }
        }
    }

    private void discardInput() throws IOException {
        ByteBuffer buf = loop.readBuffer().buf;
        buf.clear();
        int n = channel.read(buf);
        buf.clear();
        if (n < 0) {
            closeNow(closeCode, closeReason, null);
        } else if (n > 0) {
            counters.add(LoopCounters.BYTES_RECEIVED, n);
            lingerBytes += n;
            if (lingerBytes > LINGER_MAX_BYTES) {
                closeNow(closeCode, closeReason, null);
            }
        }
    }

    private void onEndOfStream() {
        if (spill != null) {
            ByteBuffer b = spill.buf;
            int have = b.position();
            String need = have >= HEADER_LENGTH ? String.valueOf(HEADER_LENGTH + b.getInt(LENGTH_OFFSET)) : "?";
            closeWithError(ErrorCode.TRUNCATED_FRAME,
                "peer closed the connection after " + have + " of " + need + " bytes of a frame");
            closeNow(ErrorCode.TRUNCATED_FRAME, "peer closed mid-frame", null);
            return;
        }
        LOG.debug("{}: peer closed the connection without CLOSE", description);
        closeNow(ErrorCode.TRANSPORT_ERROR, "peer closed the connection without CLOSE", null);
    }

    /** Moves the unconsumed remainder into a spill buffer with room for its whole frame. */
    private void keepRemainder(PooledBuffer target) {
        ByteBuffer b = target.buf;
        int remaining = b.remaining();
        int need = remaining >= HEADER_LENGTH
            ? HEADER_LENGTH + b.getInt(b.position() + LENGTH_OFFSET)
            : MIN_SPILL;
        if (target == spill && b.capacity() >= need) {
            b.compact();
            return;
        }
        PooledBuffer next = loop.pool().acquire(Math.max(need, MIN_SPILL));
        next.buf.put(b);
        if (target == spill) {
            loop.pool().release(spill);
        } else {
            b.clear();
        }
        spill = next;
    }

    private void releaseSpill() {
        if (spill != null) {
            loop.pool().release(spill);
            spill = null;
        }
    }

    // ---------------------------------------------------------------- decoding

    /** Handles every complete frame in the buffer; leaves its position at the first incomplete one. */
    private void decode(PooledBuffer src) {
        ByteBuffer b = src.buf;
        int pos = b.position();
        int limit = b.limit();
        while (limit - pos >= HEADER_LENGTH && state < CLOSING) {
            int length = b.getInt(pos + LENGTH_OFFSET);
            if (!validHeader(b, pos, length)) {
                return;
            }
            int end = pos + HEADER_LENGTH + length;
            if (end > limit) {
                break;
            }
            counters.increment(LoopCounters.FRAMES_RECEIVED);
            onFrame(src, b.get(pos + TYPE_OFFSET), b.getInt(pos + REQUEST_ID_OFFSET), pos + HEADER_LENGTH, length);
            pos = end;
        }
        b.position(pos);
    }

    private boolean validHeader(ByteBuffer b, int pos, int length) {
        if (b.getShort(pos + MAGIC_OFFSET) != MAGIC) {
            return failBadMagic(b.getShort(pos + MAGIC_OFFSET));
        }
        if (b.get(pos + VERSION_OFFSET) != VERSION) {
            return failVersion(b.get(pos + VERSION_OFFSET));
        }
        int type = b.get(pos + TYPE_OFFSET);
        if (type < TYPE_HELLO || type > MAX_TYPE) {
            return failMalformed("unknown frame type " + (type & 0xFF));
        }
        if ((b.get(pos + FLAGS_OFFSET) | b.get(pos + RESERVED8_OFFSET) | b.getShort(pos + RESERVED16_OFFSET)) != 0) {
            return failMalformed("flags or reserved bits set in a " + FrameDescriptor.typeName(type) + " frame");
        }
        int limit = state == OPEN ? settings.maxFrameLength() : PRE_HELLO_MAX_LENGTH;
        if (length < 0 || length > limit) {
            return failTooLarge(type, length, limit);
        }
        boolean needsId = type == TYPE_REQUEST || type == TYPE_RESPONSE || type == TYPE_ERROR;
        if (needsId != (b.getInt(pos + REQUEST_ID_OFFSET) != 0)) {
            return failMalformed(FrameDescriptor.typeName(type) + " frame with request id "
                + Integer.toUnsignedString(b.getInt(pos + REQUEST_ID_OFFSET)));
        }
        return true;
    }

    private boolean failBadMagic(short magic) {
        closeWithError(ErrorCode.BAD_MAGIC, String.format("bad magic 0x%04x (expected 0x%04x)", magic, MAGIC));
        return false;
    }

    private boolean failVersion(byte version) {
        closeWithError(ErrorCode.UNSUPPORTED_VERSION,
            "unsupported frame version " + (version & 0xFF) + " (this side speaks " + VERSION + ")");
        return false;
    }

    private boolean failTooLarge(int type, int length, int limit) {
        closeWithError(ErrorCode.FRAME_TOO_LARGE, FrameDescriptor.typeName(type) + " frame payload of "
            + Integer.toUnsignedString(length) + " bytes exceeds the maximum of " + limit
            + (state == OPEN ? "" : " before HELLO completes"));
        return false;
    }

    private boolean failMalformed(String reason) {
        closeWithError(ErrorCode.MALFORMED_FRAME, reason);
        return false;
    }

    private void failUnexpected(int type) {
        closeWithError(ErrorCode.UNEXPECTED_FRAME,
            FrameDescriptor.typeName(type) + " frame not allowed in state " + stateName());
    }

    private void onFrame(PooledBuffer src, int type, int requestId, int offset, int length) {
        if (state != OPEN && type != TYPE_HELLO && type != TYPE_CLOSE) {
            failUnexpected(type);
            return;
        }
        switch (type) {
            case TYPE_REQUEST, TYPE_MESSAGE -> onRequest(src, type, requestId, offset, length);
            case TYPE_RESPONSE -> onResponse(src.buf, requestId, offset, length);
            case TYPE_ERROR -> onErrorFrame(src.buf, requestId, offset, length);
            case TYPE_PING -> onPing(src.buf, offset, length);
            case TYPE_PONG -> {
                if (length != PING_PAYLOAD_LENGTH) {
                    failMalformed("PONG payload of " + length + " bytes (expected " + PING_PAYLOAD_LENGTH + ")");
                }
            }
            case TYPE_HELLO -> onHello(src.buf, offset, length);
            case TYPE_GOAWAY -> onGoAway(src.buf, offset, length);
            case TYPE_CLOSE -> onCloseFrame(src.buf, offset, length);
            case TYPE_HANDSHAKE -> failUnexpected(type);
            default -> failMalformed("unknown frame type " + type);
        }
    }

    private void onRequest(PooledBuffer src, int type, int requestId, int offset, int length) {
        ByteBuffer b = src.buf;
        int routeLength = length > 0 ? b.get(offset) & 0xFF : 0;
        if (routeLength == 0 || routeLength + 1 > length) {
            failMalformed(FrameDescriptor.typeName(type) + " with route length " + routeLength + " in a payload of "
                + length + " bytes");
            return;
        }
        RouteTable.Route route = settings.routes().find(b, offset + 1, routeLength);
        int bodyOffset = offset + 1 + routeLength;
        int bodyLength = length - 1 - routeLength;
        if (route == null) {
            onUnknownRoute(b, requestId, offset + 1, routeLength);
        } else if (route.blocking) {
            dispatchBlocking(route, requestId, OwnedMessage.copyOf(route.nameString, requestId, b, bodyOffset,
                bodyLength));
        } else {
            dispatch(route, requestId, src, bodyOffset, bodyLength);
        }
    }

    private void dispatch(RouteTable.Route route, int requestId, PooledBuffer src, int bodyOffset, int bodyLength) {
        inbound.set(route.nameString, requestId, src, bodyOffset, bodyLength);
        reply.arm(requestId);
        try {
            route.handler.onMessage(inbound, reply);
        } catch (Exception e) {
            onHandlerFailure(route, requestId, e);
            if (reply.unanswered()) {
                sendError(requestId, ErrorCode.HANDLER_FAILED, "handler for route '" + route.nameString
                    + "' failed: " + e);
            }
            return;
        } finally {
            reply.disarm();
            inbound.clear();
        }
        if (reply.unanswered()) {
            sendError(requestId, ErrorCode.NO_REPLY,
                "handler for route '" + route.nameString + "' returned without replying");
        }
    }

    private void dispatchBlocking(RouteTable.Route route, int requestId, OwnedMessage message) {
        DeferredReply deferred = new DeferredReply(this, requestId);
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
        LOG.warn("{}: handler for route '{}' failed on request {}", description, route.nameString,
            Integer.toUnsignedString(requestId), e);
    }

    private void onUnknownRoute(ByteBuffer b, int requestId, int routeOffset, int routeLength) {
        String name = Texts.decode(b, routeOffset, routeLength);
        if (requestId != 0) {
            sendError(requestId, ErrorCode.UNKNOWN_ROUTE, "unknown route '" + name + "'");
        } else {
            counters.error(ErrorCode.UNKNOWN_ROUTE);
            LOG.debug("{}: dropped a one-way message to unknown route '{}'", description, name);
        }
    }

    private void onResponse(ByteBuffer b, int requestId, int offset, int length) {
        PendingRequest p = pending.remove(requestId);
        if (p == null) {
            LOG.debug("{}: dropped a response to request {} that is not pending", description,
                Integer.toUnsignedString(requestId));
            return;
        }
        p.complete(OwnedMessage.copyOf(null, requestId, b, offset, length));
    }

    private void onErrorFrame(ByteBuffer b, int requestId, int offset, int length) {
        if (length < 2) {
            failMalformed("ERROR payload of " + length + " bytes (at least 2)");
            return;
        }
        int code = b.getShort(offset) & 0xFFFF;
        ErrorCode known = ErrorCode.fromCode(code);
        counters.error(known);
        PendingRequest p = pending.remove(requestId);
        if (p == null) {
            LOG.debug("{}: dropped an error for request {} that is not pending", description,
                Integer.toUnsignedString(requestId));
            return;
        }
        String text = Texts.decode(b, offset + 2, length - 2);
        p.completeExceptionally(new RemoteException(code, "request to route '" + p.routeName + "' on "
            + description + " failed with " + known + " (" + code + "): " + text));
    }

    private void onPing(ByteBuffer b, int offset, int length) {
        if (length != PING_PAYLOAD_LENGTH) {
            failMalformed("PING payload of " + length + " bytes (expected " + PING_PAYLOAD_LENGTH + ")");
            return;
        }
        ByteBuffer out = frame(TYPE_PONG, 0, PING_PAYLOAD_LENGTH);
        out.putLong(payloadOffset, b.getLong(offset));
    }

    private void onGoAway(ByteBuffer b, int offset, int length) {
        if (length < 6) {
            failMalformed("GOAWAY payload of " + length + " bytes (at least 6)");
            return;
        }
        goAwayReceived = true;
        LOG.debug("{}: peer sent GOAWAY (last request {}): {}", description,
            Integer.toUnsignedString(b.getInt(offset)), Texts.decode(b, offset + 6, length - 6));
    }

    private void onCloseFrame(ByteBuffer b, int offset, int length) {
        if (length < 2) {
            failMalformed("CLOSE payload of " + length + " bytes (at least 2)");
            return;
        }
        ErrorCode code = ErrorCode.fromCode(b.getShort(offset) & 0xFFFF);
        String text = Texts.decode(b, offset + 2, length - 2);
        if (code != ErrorCode.NORMAL && code != ErrorCode.SHUTTING_DOWN) {
            counters.error(code);
            LOG.info("{}: peer closed the connection with {}: {}", description, code, text);
        }
        closeNow(code, "closed by peer: " + text, null);
    }

    private void onHello(ByteBuffer b, int offset, int length) {
        if (state != AWAIT_HELLO) {
            failUnexpected(TYPE_HELLO);
            return;
        }
        Hello hello;
        try {
            hello = Hello.decode(b, offset, length);
        } catch (Hello.MalformedHello e) {
            closeWithError(ErrorCode.MALFORMED_FRAME, e.getMessage());
            return;
        }
        String problem = negotiate(hello);
        if (problem != null) {
            closeWithError(ErrorCode.NEGOTIATION_FAILED, problem);
            return;
        }
        peerMaxFrameLength = hello.maxFrameLength();
        if (!client) {
            Hello answer = new Hello(new byte[] {VERSION}, settings.maxFrameLength(), List.of(settings.security()),
                List.of());
            ByteBuffer out = frame(TYPE_HELLO, 0, answer.encodedLength());
            answer.encode(out, payloadOffset);
        }
        state = OPEN;
        counters.increment(LoopCounters.HANDSHAKES_COMPLETED);
        if (client) {
            cancelTimer();
            ready.complete(owner);
        }
    }

    /** Returns null when the peer's HELLO is acceptable, or the reason it is not. */
    private String negotiate(Hello hello) {
        if (!hello.offersVersion(VERSION)) {
            return "no common protocol version: peer offers " + java.util.Arrays.toString(hello.versions())
                + ", this side speaks [" + VERSION + "]";
        }
        if (client && hello.versions().length != 1) {
            return "server answered HELLO with " + hello.versions().length + " versions instead of one";
        }
        boolean securityOk = client ? hello.security().equals(List.of(settings.security()))
            : hello.security().contains(settings.security());
        if (!securityOk) {
            return "no common security: peer " + (client ? "chose " : "offers ") + hello.security()
                + ", this side requires '" + settings.security() + "'";
        }
        int max = hello.maxFrameLength();
        if (max < dev.netproto.api.Limits.MIN_FRAME_LENGTH || max > dev.netproto.api.Limits.MAX_FRAME_LENGTH_CAP) {
            return "peer's maximum frame length " + max + " is outside " + dev.netproto.api.Limits.MIN_FRAME_LENGTH
                + ".." + dev.netproto.api.Limits.MAX_FRAME_LENGTH_CAP;
        }
        return null;
    }

    // ---------------------------------------------------------------- sending (loop thread)

    /** Writes a frame header and marks the connection for the end-of-cycle flush; the payload goes at
     * {@link #payloadOffset}. */
    private ByteBuffer frame(int type, int requestId, int payloadLength) {
        ByteBuffer b = outbound.reserve(HEADER_LENGTH + payloadLength);
        int o = outbound.reservedOffset();
        b.putShort(o + MAGIC_OFFSET, MAGIC);
        b.put(o + VERSION_OFFSET, VERSION);
        b.put(o + TYPE_OFFSET, (byte) type);
        b.put(o + FLAGS_OFFSET, (byte) 0);
        b.put(o + RESERVED8_OFFSET, (byte) 0);
        b.putShort(o + RESERVED16_OFFSET, (short) 0);
        b.putInt(o + REQUEST_ID_OFFSET, requestId);
        b.putInt(o + LENGTH_OFFSET, payloadLength);
        payloadOffset = o + HEADER_LENGTH;
        counters.increment(LoopCounters.FRAMES_SENT);
        markDirty();
        return b;
    }

    private void markDirty() {
        if (!dirty) {
            dirty = true;
            loop.markDirty(this);
        }
    }

    /** Sends a RESPONSE; copies the body. Returns false if the connection is not open or the body too large. */
    boolean sendResponse(int requestId, ByteBuffer body) {
        if (state != OPEN) {
            return false;
        }
        int length = body.remaining();
        if (length > peerMaxFrameLength) {
            sendError(requestId, ErrorCode.MESSAGE_TOO_LARGE, "response of " + length
                + " bytes exceeds the requester's maximum frame length of " + peerMaxFrameLength);
            return false;
        }
        ByteBuffer out = frame(TYPE_RESPONSE, requestId, length);
        out.put(payloadOffset, body, body.position(), length);
        return true;
    }

    /** Sends an ERROR for one request. Returns false if the connection is not open. */
    boolean sendError(int requestId, ErrorCode code, String text) {
        if (state != OPEN) {
            return false;
        }
        counters.error(code);
        byte[] bytes = Texts.utf8(text, MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_ERROR, requestId, 2 + bytes.length);
        out.putShort(payloadOffset, (short) code.code());
        out.put(payloadOffset + 2, bytes);
        return true;
    }

    /** Client side: assigns an id, remembers the request and queues it. */
    void sendRequest(PendingRequest p, ByteBuffer body) {
        if (state != OPEN || goAwayReceived) {
            p.completeExceptionally(notOpen());
            return;
        }
        int payloadLength = 1 + p.route.length + body.remaining();
        if (payloadLength > peerMaxFrameLength) {
            p.completeExceptionally(new IllegalArgumentException("request of " + payloadLength
                + " bytes exceeds the server's maximum frame length of " + peerMaxFrameLength + " (" + p + ")"));
            return;
        }
        int id = nextRequestId();
        p.requestId = id;
        pending.put(id, p);
        ByteBuffer out = frame(TYPE_REQUEST, id, payloadLength);
        writeRouteAndBody(out, p.route, body);
    }

    /** Sends a one-way MESSAGE; returns false if the connection is not open. */
    boolean sendMessage(byte[] route, ByteBuffer body) {
        if (state != OPEN || goAwayReceived) {
            return false;
        }
        int payloadLength = 1 + route.length + body.remaining();
        if (payloadLength > peerMaxFrameLength) {
            throw new IllegalArgumentException("message of " + payloadLength
                + " bytes exceeds the peer's maximum frame length of " + peerMaxFrameLength + " (" + this + ")");
        }
        ByteBuffer out = frame(TYPE_MESSAGE, 0, payloadLength);
        writeRouteAndBody(out, route, body);
        return true;
    }

    private void writeRouteAndBody(ByteBuffer out, byte[] route, ByteBuffer body) {
        int o = payloadOffset;
        out.put(o, (byte) route.length);
        out.put(o + 1, route);
        out.put(o + 1 + route.length, body, body.position(), body.remaining());
    }

    /** The next free request id: never 0, never one still pending after the counter wraps. */
    private int nextRequestId() {
        int id;
        do {
            id = nextRequestId++;
        } while (id == 0 || pending.containsKey(id));
        return id;
    }

    ConnectionClosedException notOpen() {
        if (goAwayReceived && state == OPEN) {
            return new ConnectionClosedException(ErrorCode.SHUTTING_DOWN,
                description + ": peer sent GOAWAY and takes no new requests");
        }
        return new ConnectionClosedException(closeCode, description + " is closed: " + closeReason);
    }

    /** End-of-cycle flush, called by the loop. */
    void flushFromLoop() {
        dirty = false;
        if (state == CLOSED) {
            return;
        }
        try {
            flush();
        } catch (IOException e) {
            onTransportFailure(e);
        }
    }

    private void flush() throws IOException {
        if (state == CONNECTING) {
            return;
        }
        long written = outbound.writeTo(channel);
        if (written > 0) {
            counters.add(LoopCounters.BYTES_SENT, written);
        }
        if (outbound.isEmpty()) {
            if (writeInterest) {
                key.interestOps(SelectionKey.OP_READ);
                writeInterest = false;
            }
            if (state == CLOSING && !outputShutdown) {
                outputShutdown = true;
                channel.shutdownOutput();
            }
        } else if (!writeInterest) {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            writeInterest = true;
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * Ends the connection because of an error the peer caused or a local timeout: logs it with the peer and the
     * reason, counts it, tells the error listener, and sends CLOSE with the code.
     */
    void closeWithError(ErrorCode code, String reason) {
        if (state >= CLOSING) {
            return;
        }
        LOG.warn("{}: closing: {} ({})", description, reason, code);
        counters.error(code);
        if (state < OPEN) {
            counters.increment(LoopCounters.HANDSHAKES_FAILED);
        }
        if (settings.errorListener() != null) {
            try {
                settings.errorListener().onConnectionError(description, code, reason);
            } catch (RuntimeException e) {
                LOG.warn("{}: connection error listener failed", description, e);
            }
        }
        beginClose(code, reason);
    }

    /** Ends the connection in an orderly way: CLOSE with the code, then wait for the peer to close. */
    void closeGracefully(ErrorCode code, String reason) {
        if (state >= CLOSING) {
            return;
        }
        if (state == CONNECTING) {
            closeNow(code, reason, null);
            return;
        }
        beginClose(code, reason);
    }

    private void beginClose(ErrorCode code, String reason) {
        closeCode = code;
        closeReason = reason;
        failWaiters(null);
        if (state == CONNECTING) {
            closeNow(code, reason, null);
            return;
        }
        byte[] text = Texts.utf8(reason, MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_CLOSE, 0, 2 + text.length);
        out.putShort(payloadOffset, (short) code.code());
        out.put(payloadOffset + 2, text);
        state = CLOSING;
        if (!inRead) {
            releaseSpill();
        }
        cancelTimer();
        timer = loop.schedule(LINGER_TIMEOUT_NS, () -> closeNow(closeCode, closeReason, null));
    }

    /** Closes the socket at once and releases everything; pending requests fail. Idempotent. */
    void closeNow(ErrorCode code, String reason, Throwable cause) {
        if (state == CLOSED) {
            return;
        }
        if (state < CLOSING) {
            closeCode = code;
            closeReason = reason;
        }
        state = CLOSED;
        cancelTimer();
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignore) {
            // Closing is best effort; the descriptor is released either way.
        }
        outbound.releaseAll();
        if (!inRead) {
            releaseSpill();
        }
        failWaiters(cause);
        if (loopIndex >= 0) {
            loop.removeConnection(this);
            counters.increment(LoopCounters.CONNECTIONS_CLOSED);
            counters.add(LoopCounters.CONNECTIONS_ACTIVE, -1);
        }
    }

    private void failWaiters(Throwable cause) {
        if (pending.size() == 0 && (ready == null || ready.isDone())) {
            return;
        }
        ConnectionClosedException e = cause == null
            ? new ConnectionClosedException(closeCode, description + " closed: " + closeReason)
            : new ConnectionClosedException(closeCode, description + " closed: " + closeReason, cause);
        pending.drain(p -> p.completeExceptionally(e));
        if (ready != null) {
            ready.completeExceptionally(e);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private String stateName() {
        return switch (state) {
            case CONNECTING -> "CONNECTING";
            case AWAIT_HELLO -> "AWAIT_HELLO";
            case OPEN -> "OPEN";
            case CLOSING -> "CLOSING";
            default -> "CLOSED";
        };
    }
}
