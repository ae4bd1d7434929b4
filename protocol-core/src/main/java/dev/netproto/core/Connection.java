package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.PRE_HELLO_MAX_LENGTH;
import static dev.netproto.core.FrameDescriptor.TYPE_CLOSE;
import static dev.netproto.core.FrameDescriptor.TYPE_HANDSHAKE;
import static dev.netproto.core.FrameDescriptor.TYPE_HELLO;
import static dev.netproto.core.FrameDescriptor.TYPE_MESSAGE;
import static dev.netproto.core.FrameDescriptor.TYPE_REQUEST;

import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.Peer;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.RemoteException;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.SessionContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Why this file is over 600 lines: it is the one place that knows the connection's state, so every stage reports to
 * it. About 30 callbacks (one per frame type and per stage event), each a few lines that check the state and hand
 * the work to a stage, plus the send entry points and the close sequence. Splitting it further would scatter the
 * state checks that must stay together to be reviewed together (which frame each state allows, what CLOSING still
 * does). The jobs themselves live in the stages listed below.
 */

/**
 * One connection, server or client side: its state machine (CONNECTING, AWAIT_HELLO, OPEN, CLOSING, CLOSED), the
 * socket's readiness, and closing. The work is done by stages, each with one job, composed statically:
 * <ul>
 *   <li>{@link FrameReader}: frames out of the bytes read, headers checked, sealed frames opened;</li>
 *   <li>{@link FrameWriter}: frames into the output queue, compressed in place, sealed before writing;</li>
 *   <li>{@link HelloNegotiator}: the HELLO rules; {@link SecurityStage}: the mechanism's session;</li>
 *   <li>{@link InboundDispatcher}: requests to handlers; {@link PendingRequests}: a client's waiting requests;</li>
 *   <li>{@link Liveness}: timeouts and heartbeats; {@link FlowControl}: watermarks and write stalls;</li>
 *   <li>{@link TlsWire}: the TLS layer between socket and codec, for {@code tls://}.</li>
 * </ul>
 * This class receives the reader's typed callbacks ({@link FrameReader.Frames}), decides what each state allows,
 * and acts on the stages' verdicts.
 *
 * <p><b>Single writer.</b> All state is written by the owning {@link EventLoop}'s thread only. Other threads read
 * {@link #state}, {@link #peerMaxFrameLength} and {@link #isWritable()} (volatile) and otherwise reach the
 * connection through loop tasks.
 *
 * <p><b>Time.</b> The loop calls {@link #onTick()} every {@link EventLoop#TICK_NS}; it reads the clock once. The
 * receive path reads the clock once per readable event, not per frame.
 *
 * <p><b>Memory.</b> Buffers come from the loop's pool, within the server's {@link MemoryBudget}. When the budget
 * refuses one, or the loop finds the budget nearly used up and this connection among those holding the most, the
 * connection stops reading ({@link #pauseForMemory()}) until the loop resumes it; a response the budget refuses is
 * answered {@link ErrorCode#OVERLOADED} ({@link #refuseForMemory}). Either way no request is silently lost: the
 * peer is held back by TCP, or told.
 *
 * <p><b>Closing.</b> A protocol error sends CLOSE with its code, shuts down output once that is written, and then
 * discards input until the peer closes or {@link #LINGER_TIMEOUT_NS} passes. Closing the socket with unread input
 * would make the kernel send RST, which can destroy the CLOSE frame before the peer reads it.
 */
final class Connection implements EventLoop.Selectable, TlsWire.Events, FrameReader.Frames, FrameWriter.Queued,
    SecurityStage.Events, BodyInflater.Refusal, SessionContext {
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

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final EventLoop loop;
    private final SocketChannel channel;
    private final Settings settings;
    private final long id;
    /** The peer as the transport named it (an address, or a text for unnamed peers); printed in descriptions. */
    private final Object remote;
    private final String transport;
    /** {@code conn#id peer}, built on first use (see {@link #description()}). */
    private String description;
    /** The client that owns this connection; null on the server side. */
    private final CoreClient owner;
    /** The TLS layer between socket and codec; null for plaintext transports. */
    private final TlsWire tls;
    /** Reads on from what the TLS or record layer holds; created when one is first needed. */
    private Runnable readBuffered;
    /** The sealed-record layer, once the security session protects the stream (Noise); null otherwise. */
    private RecordWire records;

    private final FrameReader reader;
    private final FrameWriter writer;
    /** Dropped once the session is established without protecting frames (none, tls): it has nothing left to do. */
    private SecurityStage security;
    /** Created when HELLO negotiates compression; null otherwise (no compressed frame is then accepted). */
    private BodyInflater inflater;
    /** Created with the first request or GOAWAY, so that an idle connection does not hold it. */
    private InboundDispatcher dispatcher;
    /** Requests awaiting their answer; clients only, null on the server side. */
    private final PendingRequests pending;
    /** The times {@link Liveness} judges: when the phase started, when the last frame came, the last PING. */
    private long phaseStartNs;
    private long lastFrameNs;
    private long lastPingNs;
    /** When the first byte of the frame (or TLS record) still incomplete arrived; see {@link #partialInput()}. */
    private long frameStartNs;
    /** Servers: whether this connection counts in its loop's share of connections not yet open. */
    boolean awaitingOpen;
    /** Servers: the source this connection counts against, to release when it closes; null when not counted. */
    private SourceLimits.Source source;

    /** Index in the loop's connection array; written by {@link EventLoop}. */
    int loopIndex = -1;

    private volatile int state;
    private volatile int peerMaxFrameLength = PRE_HELLO_MAX_LENGTH;
    private volatile boolean goAwayReceived;
    /** Whether new sends are accepted: false while queued output is over the high watermark (FlowControl). */
    private volatile boolean writable = true;
    private boolean overHigh;
    /** Whether the socket is full and the write stall is being timed, since {@link #stallSinceNs}. */
    private boolean writeStalled;
    private long stallSinceNs;

    /** What handlers see of the peer, built on first use. */
    private Peer peerView;
    private SelectionKey key;
    private boolean dirty;
    private boolean writeInterest;
    private boolean readSuspended;
    /** Whether reading is stopped because the memory budget ran short; see {@link #pauseForMemory()}. */
    private boolean memoryPaused;
    private boolean outputShutdown;
    private boolean inRead;
    private int lingerBytes;
    private EventLoop.Timer timer;
    private ErrorCode closeCode = ErrorCode.NORMAL;
    private String closeReason = "closed";

    /**
     * Creates a connection; starts nothing.
     *
     * @param remote    the peer as the transport names it
     * @param transport the transport's URI scheme
     * @param engine    the TLS engine of a {@code tls} transport's connection; null for plaintext
     */
    Connection(EventLoop loop, SocketChannel channel, CoreClient owner, Settings settings, Object remote,
               String transport, SSLEngine engine) {
        this.loop = loop;
        this.channel = channel;
        this.owner = owner;
        this.settings = settings;
        this.id = IDS.incrementAndGet();
        this.remote = remote;
        this.transport = transport;
        this.tls = engine == null ? null : new TlsWire(engine, settings.security().tlsEngines(), channel, loop, this);
        LoopCounters counters = loop.counters();
        this.reader = new FrameReader(loop.pool(), this, counters, PRE_HELLO_MAX_LENGTH);
        this.writer = new FrameWriter(new Outbound(loop.pool()), counters, this);
        this.security = new SecurityStage(settings.securityName(), settings.security().newSession(this),
            writer, this);
        this.pending = isClient() ? new PendingRequests(settings.requestTimeoutNs()) : null;
        long now = settings.clock().nanoTime();
        this.phaseStartNs = now;
        this.lastFrameNs = now;
        this.lastPingNs = now;
        this.frameStartNs = now;
        this.state = isClient() ? CONNECTING : AWAIT_HELLO;
    }

    EventLoop loop() {
        return loop;
    }

    /** Whether this side opened the connection (a client's, with an owner) rather than accepted it. */
    private boolean isClient() {
        return owner != null;
    }

    boolean isOpen() {
        return state == OPEN;
    }

    int peerMaxFrameLength() {
        return peerMaxFrameLength;
    }

    /** Whether new sends are accepted: false while queued output is above the high watermark. Any thread. */
    boolean isWritable() {
        return writable;
    }

    /** Whether the peer sent GOAWAY: no new requests may go on this connection. Any thread. */
    boolean isDraining() {
        return goAwayReceived;
    }

    /**
     * Returns {@code conn#id peer}, built on first use: most connections never log, and an idle connection saves
     * the string. Log calls pass {@code this} rather than this string, so that a disabled level builds nothing.
     * Any thread: a racing first use builds equal strings, published safely through String's final fields.
     */
    private String description() {
        String d = description;
        if (d == null) {
            d = "conn#" + id + " " + remote;
            description = d;
        }
        return d;
    }

    private InboundDispatcher dispatcher() {
        InboundDispatcher d = dispatcher;
        if (d == null) {
            d = new InboundDispatcher(this, settings, writer, inflater, loop.counters());
            dispatcher = d;
        }
        return d;
    }

    /** The peer as handlers see it; built on first use, once the handshake is done. Loop thread. */
    Peer peer() {
        Peer p = peerView;
        if (p == null) {
            p = new Peer(String.valueOf(remote), transport, settings.securityName(), null);
            peerView = p;
        }
        return p;
    }

    /** How long the loop should poll before it blocks while it carries this connection; 0 for not at all. */
    long idleSpinNs() {
        return settings.idleSpinNs();
    }

    @Override
    public String toString() {
        return description();
    }

    // ---------------------------------------------------------------- SessionContext

    @Override
    public SecurityRole role() {
        return isClient() ? SecurityRole.CLIENT : SecurityRole.SERVER;
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(remote);
    }

    @Override
    public String transport() {
        return transport;
    }

    @Override
    public SSLSession tlsSession() {
        return tls == null ? null : tls.session();
    }

    // ---------------------------------------------------------------- start

    /**
     * Server side: registers an accepted channel; one over the connection limit is told why and closed. One that
     * finds its loop's share of not-yet-open connections full displaces the one that has waited longest.
     * Loop thread.
     *
     * @param overLimit whether the server already serves its maximum of connections
     * @param source    the source this connection counts against, or null
     */
    void startAccepted(boolean overLimit, SourceLimits.Source source) {
        this.source = source;
        try {
            key = loop.register(channel, SelectionKey.OP_READ, this);
        } catch (IOException e) {
            closeNow(ErrorCode.TRANSPORT_ERROR, "registering failed: " + e.getMessage(), e);
            return;
        }
        opened();
        if (overLimit) {
            loop.counters().increment(LoopCounters.CONNECTIONS_REFUSED);
            String reason = "refused: the server has its maximum of " + settings.maxConnections() + " connections";
            settings.errorLog().report(ErrorCode.TOO_MANY_CONNECTIONS, this, reason, loop::schedule);
            refuseBeforeOpen(ErrorCode.TOO_MANY_CONNECTIONS, reason);
            return;
        }
        Connection displaced = loop.awaitOpen(this, settings.pendingShare());
        if (displaced != null) {
            loop.counters().increment(LoopCounters.CONNECTIONS_REFUSED);
            String reason = "displaced: " + settings.pendingShare() + " connections on this loop had not finished "
                + "HELLO, and this one had waited longest ("
                + Liveness.millis(settings.clock().nanoTime() - displaced.phaseStartNs) + " ms)";
            settings.errorLog().report(ErrorCode.TOO_MANY_CONNECTIONS, displaced, reason, loop::schedule);
            displaced.refuseBeforeOpen(ErrorCode.TOO_MANY_CONNECTIONS, reason);
        }
    }

    /**
     * Refuses a server connection that is not open yet: CLOSE with the reason, then closes at once if the CLOSE
     * went out whole, rather than lingering for the peer's own close. A refused peer that never closes (a flood)
     * would otherwise hold its descriptor and its place in the connection limit for the linger time. What the peer
     * sends afterwards is answered by a reset, but the CLOSE it already received stays readable to it.
     */
    private void refuseBeforeOpen(ErrorCode code, String reason) {
        closeGracefully(code, reason);
        if (state != CLOSING || tls != null) {
            return;
        }
        try {
            flush();
        } catch (IOException e) {
            closeNow(code, reason, null);
            return;
        }
        if (writer.isEmpty()) {
            closeNow(code, reason, null);
        }
    }

    /** Leaves the loop's count of connections not yet open, once. */
    private void stopAwaitingOpen() {
        if (awaitingOpen) {
            awaitingOpen = false;
            loop.openedOrClosed();
        }
    }

    /** Client side: registers the connecting channel. Loop thread. */
    void startClient() {
        try {
            boolean connected = channel.isConnected();
            key = loop.register(channel, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, this);
            opened();
            if (connected) {
                onConnected();
            }
        } catch (IOException e) {
            closeNow(ErrorCode.TRANSPORT_ERROR, "connect failed: " + e.getMessage(), e);
        }
    }

    private void opened() {
        loop.addConnection(this);
        loop.counters().increment(LoopCounters.CONNECTIONS_OPENED);
        loop.counters().increment(LoopCounters.CONNECTIONS_ACTIVE);
    }

    private void onConnected() {
        key.interestOps(SelectionKey.OP_READ);
        state = AWAIT_HELLO;
        phaseStartNs = settings.clock().nanoTime();
        List<String> parameters = security.offer();
        if (parameters != null) {
            security.helloSent(writer.hello(settings.hello().offer(parameters)));
        }
    }

    // ---------------------------------------------------------------- time

    /** Enforces timeouts and sends heartbeats; called by the loop every tick. */
    void onTick() {
        int s = state;
        if (s == CLOSING || s == CLOSED) {
            return;
        }
        long now = settings.clock().nanoTime();
        if (s == OPEN && settings.flow().stallExpired(writeStalled, now, stallSinceNs)) {
            abort(ErrorCode.TIMEOUT, "queued output (" + writer.queuedBytes() + " bytes) made no progress for "
                + Liveness.millis(settings.writeTimeoutNs()) + " ms", null);
            return;
        }
        if (s == OPEN && Liveness.quietFor(now, lastFrameNs, EventLoop.TICK_NS)) {
            // Nothing received for a tick: idle, so give back the output queue's arrays (most output answers input).
            writer.trim();
        }
        Liveness liveness = settings.liveness();
        if (s == OPEN && partialInput() && liveness.frameExpired(now - frameStartNs, partialFrameLength())) {
            closeWithError(ErrorCode.TIMEOUT, "frame incomplete after " + Liveness.millis(now - frameStartNs)
                + " ms (" + (reader.hasPartialFrame() ? reader.describePartial() : "part of a TLS record")
                + "); allowed " + Liveness.millis(liveness.frameAllowanceNs(partialFrameLength())) + " ms");
            return;
        }
        int verdict = liveness.check(s == CONNECTING, s == OPEN, now, phaseStartNs, lastFrameNs, lastPingNs);
        if (verdict == Liveness.SEND_PING) {
            lastPingNs = now;
            loop.counters().increment(LoopCounters.PINGS_SENT);
            writer.ping(now);
        } else if (verdict != Liveness.OK) {
            closeWithError(ErrorCode.TIMEOUT, liveness.reason(verdict, now, lastFrameNs));
            return;
        }
        if (s == OPEN && pending != null && pending.scanDue(now)) {
            pending.expire(now, loop.counters(), this);
            drainedAfterGoAway();
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
            LOG.error("{}: unexpected failure; closing the connection", this, failure);
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
        if (e instanceof RecordWire.RecordFailure f) {
            // A record that no sender produces or that did not authenticate: the peer's fault (or an attacker's on
            // the way), told in a sealed CLOSE, which the peer can still open.
            closeWithError(f.code(), f.getMessage());
            return;
        }
        if (e instanceof TlsWire.RenegotiationRefusedException) {
            // A handshake refused on an open connection: the peer's fault, not the transport's, and told apart
            // from other TLS failures by its reason.
            abort(ErrorCode.HANDSHAKE_FAILED, e.getMessage(), e);
            return;
        }
        if (e instanceof SSLException && state != CONNECTING) {
            // Before OPEN counts too: a TLS 1.3 client finishes before the server has judged its certificate, and
            // the ALPN check runs after the engine's handshake; both refusals are handshake failures.
            boolean handshake = tls != null && (tls.isHandshaking() || state < OPEN);
            ErrorCode code = handshake ? ErrorCode.HANDSHAKE_FAILED : ErrorCode.TRANSPORT_ERROR;
            abort(code, (handshake ? "TLS handshake failed: " : "TLS failed: ") + e.getMessage(), e);
            return;
        }
        String what = state == CONNECTING ? "connect failed: " : "transport failed: ";
        LOG.debug("{}: {}{}", this, what, e.toString());
        if (state != CONNECTING) {
            loop.counters().error(ErrorCode.TRANSPORT_ERROR);
        }
        closeNow(ErrorCode.TRANSPORT_ERROR, what + e.getMessage(), e);
    }

    private void onReadable() throws IOException {
        inRead = true;
        boolean wasPartial = partialInput();
        int frames = 0;
        try {
            for (int i = 0; i < MAX_READS_PER_EVENT && state != CLOSED && !readSuspended && !memoryPaused; i++) {
                if (state == CLOSING) {
                    discardInput();
                    return;
                }
                PooledBuffer target = reader.target(loop.readBuffer());
                ByteBuffer buf = target.buf;
                int room = buf.remaining();
                int n = records != null ? records.read(buf) : tls == null ? channel.read(buf) : tls.read(buf);
                if (n < 0) {
                    onEndOfStream();
                    return;
                }
                if (n == 0) {
                    return;
                }
                loop.counters().add(LoopCounters.BYTES_RECEIVED, n);
                buf.flip();
                // Read before decoding: a frame's handler may complete a future whose waiter moves a test clock.
                long receivedNs = settings.clock().nanoTime();
                int handled = reader.read(target);
                if (handled > 0) {
                    lastFrameNs = receivedNs;
                    frames += handled;
                }
                if (reader.switchingToRecords()) {
                    // The frame that completed the handshake was followed, in this read, by the first records.
                    reader.handOverRecordBytes(target, records);
                    continue;
                }
                if (state < CLOSING && reader.spillShort()) {
                    // The budget refused room for the rest of the frame: read no more until it has some.
                    pauseForMemory();
                    return;
                }
                if (state >= CLOSING || n < room) {
                    return;
                }
            }
        } finally {
            inRead = false;
            if ((frames > 0 || !wasPartial) && state == OPEN && partialInput()) {
                // A frame (or TLS record) started in this read and is not complete: time it from now.
                frameStartNs = settings.clock().nanoTime();
            }
            loop.readBuffer().buf.clear();
            if (state >= CLOSING) {
                reader.release();
            } else if (!readSuspended && !memoryPaused && hasBufferedInput()) {
                loop.execute(readBuffered());
            }
        }
    }

    /** Whether the TLS or record layer holds input that the selector cannot know about. */
    private boolean hasBufferedInput() {
        return tls != null ? tls.hasBufferedInput() : records != null && records.hasBufferedInput();
    }

    private Runnable readBuffered() {
        Runnable r = readBuffered;
        if (r == null) {
            r = this::readBufferedInput;
            readBuffered = r;
        }
        return r;
    }

    /** Whether part of a frame, or of the TLS record carrying one, has arrived and waits for the rest. */
    private boolean partialInput() {
        return reader.hasPartialFrame() || tls != null && tls.hasPartialRecord()
            || records != null && records.hasPartialRecord();
    }

    /** The partial frame's whole length, or 0 while unknown (header incomplete, or still inside a TLS record). */
    private int partialFrameLength() {
        return reader.hasPartialFrame() ? reader.partialFrameLength() : 0;
    }

    /** Reads on, from what the TLS layer holds, after a read stopped early (read budget, full buffer). */
    private void readBufferedInput() {
        if (state == CLOSED || readSuspended || memoryPaused) {
            return;
        }
        try {
            onReadable();
        } catch (IOException e) {
            onTransportFailure(e);
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
            loop.counters().add(LoopCounters.BYTES_RECEIVED, n);
            lingerBytes += n;
            if (lingerBytes > LINGER_MAX_BYTES) {
                closeNow(closeCode, closeReason, null);
            }
        }
    }

    private void onEndOfStream() {
        if (records != null && records.hasPartialRecord()) {
            closeWithError(ErrorCode.TRUNCATED_FRAME, "peer closed the connection after "
                + records.describePartial());
            closeNow(ErrorCode.TRUNCATED_FRAME, "peer closed mid-record", null);
            return;
        }
        if (reader.hasPartialFrame()) {
            closeWithError(ErrorCode.TRUNCATED_FRAME, "peer closed the connection after "
                + reader.describePartial());
            closeNow(ErrorCode.TRUNCATED_FRAME, "peer closed mid-frame", null);
            return;
        }
        LOG.debug("{}: peer closed the connection without CLOSE", this);
        closeNow(ErrorCode.TRANSPORT_ERROR, "peer closed the connection without CLOSE", null);
    }

    // ---------------------------------------------------------------- TLS

    @Override
    public void tlsHandshakeDone() {
        LOG.debug("{}: TLS handshake done: {}", this, tls.describe());
        markDirty();
    }

    @Override
    public void tlsOutputPending() {
        markDirty();
    }

    @Override
    public void tlsTasksDone() {
        if (state == CLOSED) {
            return;
        }
        tls.onTasksDone();
        updateInterest();
        markDirty();
        readBufferedInput();
    }

    // ---------------------------------------------------------------- frames received (FrameReader.Frames)

    @Override
    public boolean accepting() {
        return state < CLOSING;
    }

    @Override
    public boolean admit(int type) {
        if (state == OPEN) {
            if (type == TYPE_HELLO || type == TYPE_HANDSHAKE) {
                return unexpected(type);
            }
            return true;
        }
        if (type == TYPE_HELLO || type == TYPE_CLOSE || type == TYPE_HANDSHAKE && handshaking()) {
            return true;
        }
        return unexpected(type);
    }

    private boolean unexpected(int type) {
        closeWithError(ErrorCode.UNEXPECTED_FRAME, FrameDescriptor.typeName(type) + " frame not allowed "
            + (handshaking() ? "during the " + settings.securityName() + " handshake (only HANDSHAKE and "
                + "CLOSE until the session is open)" : "in state " + stateName()));
        return false;
    }

    /** Whether the security handshake runs: after HELLO, until the session is established. */
    private boolean handshaking() {
        SecurityStage s = security;
        return s != null && s.handshaking();
    }

    @Override
    public void onProtocolError(ErrorCode code, String reason) {
        MemoryBudget memory = settings.memory();
        if (code == ErrorCode.FRAME_TOO_LARGE && state == OPEN && memory != null
            && settings.maxFrameLength() == memory.maxFramePayload()) {
            // The server announced a smaller maximum than configured, because a larger frame could never be buffered.
            reason += " (announced in HELLO: the server's memory budget of " + memory.limitBytes()
                + " bytes cannot buffer larger frames)";
        }
        closeWithError(code, reason);
    }

    @Override
    public void refuse(ErrorCode code, String reason) {
        closeWithError(code, reason);
    }

    @Override
    public void onRequest(PooledBuffer src, int type, int requestId, boolean compressed, int offset, int length,
                          int routeLength) {
        dispatcher().onRequest(src, requestId, compressed, offset, length, routeLength);
    }

    @Override
    public void onResponse(PooledBuffer src, int requestId, boolean compressed, int offset, int length) {
        PooledBuffer body = src;
        if (compressed) {
            body = inflater.inflate(src, offset, length);
            if (body == null) {
                if (inflater.refusedForMemory()) {
                    responseRefusedForMemory(requestId, length);
                }
                return;
            }
            offset = 0;
            length = body.buf.limit();
        }
        try {
            PendingRequest p = isClient() ? pending.remove(requestId) : null;
            if (p == null) {
                loop.counters().increment(LoopCounters.LATE_RESPONSES);
                LOG.debug("{}: dropped a response to request {} that is not pending", this,
                    Integer.toUnsignedString(requestId));
                return;
            }
            p.complete(OwnedMessage.copyOf(null, requestId, body.buf, offset, length, peer()));
        } finally {
            if (body != src) {
                inflater.release(body);
            }
        }
        drainedAfterGoAway();
    }

    /** A client could not decompress a response for lack of direct memory: its request fails OVERLOADED. */
    private void responseRefusedForMemory(int requestId, int length) {
        PendingRequest p = isClient() ? pending.remove(requestId) : null;
        loop.counters().error(ErrorCode.OVERLOADED);
        if (p != null) {
            p.completeExceptionally(new OverloadedException("no direct memory left to decompress the response of "
                + length + " bytes to " + p + " on " + description()));
            drainedAfterGoAway();
        }
    }

    @Override
    public void onError(ByteBuffer b, int requestId, int code, int offset, int length) {
        ErrorCode known = ErrorCode.fromCode(code);
        loop.counters().error(known);
        PendingRequest p = isClient() ? pending.remove(requestId) : null;
        if (p == null) {
            loop.counters().increment(LoopCounters.LATE_RESPONSES);
            LOG.debug("{}: dropped an error for request {} that is not pending", this,
                Integer.toUnsignedString(requestId));
            return;
        }
        if (known == ErrorCode.NOT_PROCESSED && owner.canResend(p)) {
            // Only a peer that sent GOAWAY answers NOT_PROCESSED (PROTOCOL.md section 6); one that skipped it is taken
            // at its word all the same, so that the request goes out on another connection, not again on this one.
            if (!goAwayReceived) {
                goAwayReceived = true;
                owner.onGoAway(this);
            }
            owner.resend(p);
            drainedAfterGoAway();
            return;
        }
        String text = Texts.decode(b, offset + 2, length - 2);
        p.completeExceptionally(new RemoteException(code, "request to route '" + p.routeName + "' on "
            + description() + " failed with " + known + " (" + code + "): " + text));
        drainedAfterGoAway();
    }

    @Override
    public void onPing(ByteBuffer b, int offset) {
        writer.pong(b.getLong(offset));
    }

    @Override
    public void onPong(ByteBuffer b, int offset) {
        // Any frame is a sign of life; the reader has counted it. Nothing else to do.
    }

    @Override
    public void onGoAway(ByteBuffer b, int offset, int length) {
        goAwayReceived = true;
        // The code is informative: any value, known or not, means the same (PROTOCOL.md section 6).
        int code = b.getShort(offset + 4) & 0xFFFF;
        LOG.debug("{}: peer sent GOAWAY (last request {}, code {} {}): {}", this,
            Integer.toUnsignedString(b.getInt(offset)), code, ErrorCode.fromCode(code),
            Texts.decode(b, offset + 6, length - 6));
        if (owner != null) {
            owner.onGoAway(this);
        }
        drainedAfterGoAway();
    }

    @Override
    public void onClose(ByteBuffer b, int code, int offset, int length) {
        ErrorCode known = ErrorCode.fromCode(code);
        String text = Texts.decode(b, offset + 2, length - 2);
        if (known != ErrorCode.NORMAL && known != ErrorCode.SHUTTING_DOWN) {
            loop.counters().error(known);
            LOG.info("{}: peer closed the connection with {}: {}", this, known, text);
        }
        // Answers produced before the CLOSE arrived (in this same read) still go out: one write attempt.
        try {
            writeOnce();
        } catch (IOException ignore) {
            // The peer is gone already; there is nobody left to tell.
        }
        closeNow(known, "closed by peer: " + text, null);
    }

    @Override
    public void onHello(ByteBuffer b, int offset, int length) {
        // A HELLO during the security handshake is a second one: the state is AWAIT_HELLO until the session opens.
        if (state != AWAIT_HELLO || handshaking()) {
            unexpected(TYPE_HELLO);
            return;
        }
        Hello hello;
        try {
            hello = Hello.decode(b, offset, length);
        } catch (Hello.MalformedHello e) {
            closeWithError(ErrorCode.MALFORMED_FRAME, e.getMessage());
            return;
        }
        HelloNegotiator negotiator = settings.hello();
        String problem = negotiator.check(hello, isClient());
        if (problem != null) {
            closeWithError(ErrorCode.NEGOTIATION_FAILED, problem);
            return;
        }
        peerMaxFrameLength = hello.maxFrameLength();
        var codec = negotiator.chooseCompression(hello.compression());
        if (codec != null) {
            reader.compression(codec.name());
            writer.compression(codec, settings.compressMinLength(), settings.maxCompressionRatio(),
                loop.compressibility());
            inflater = new BodyInflater(loop.pool(), settings.maxFrameLength(), settings.maxCompressionRatio(), this);
            inflater.codec(codec);
        }
        byte[] received = new byte[length];
        b.get(offset, received);
        if (isClient()) {
            security.startClient(hello.securityParameters(), received);
            return;
        }
        List<String> chosen = security.choose(hello.securityParameters());
        if (chosen == null) {
            return;
        }
        byte[] sent = writer.hello(negotiator.answer(codec, chosen));
        security.startServer(received, sent);
    }

    @Override
    public void onHandshake(ByteBuffer b, int offset, int length) {
        security.onHandshake(b, offset, length);
    }

    // ---------------------------------------------------------------- security (SecurityStage.Events)

    @Override
    public void securityEstablished(PeerIdentity peer) {
        if (state != AWAIT_HELLO) {
            return;
        }
        if (peer != null) {
            // Authenticated: what handlers will see is known now. Anonymous peers get theirs on first use.
            peerView = new Peer(String.valueOf(remote), transport, settings.securityName(), peer);
            LOG.debug("{}: {} session established with {}", this, settings.securityName(), peer.name());
        }
        if (!security.protectsFrames()) {
            // Nothing left for the session to do: give it up now rather than carry it for the connection's life.
            security.destroy();
            security = null;
        }
        state = OPEN;
        stopAwaitingOpen();
        reader.opened(settings.maxFrameLength());
        loop.counters().increment(LoopCounters.HANDSHAKES_COMPLETED);
        if (owner != null) {
            owner.onConnected(this);
        }
    }

    @Override
    public void securityFailed(ErrorCode code, String reason) {
        closeWithError(code, reason);
    }

    @Override
    public void protectStream(RecordProtection protection) {
        if (tls != null) {
            throw new IllegalStateException("a security mechanism cannot seal records over TLS");
        }
        records = new RecordWire(protection, channel, loop.pool(), loop.counters());
        records.rawLeft = writer.queuedBytes();
        reader.switchToRecords();
    }

    // ---------------------------------------------------------------- sending (loop thread)

    @Override
    public void frameQueued(long queuedBytes) {
        if (settings.flow().passesHigh(overHigh, queuedBytes)) {
            onHighWatermark();
        }
        markDirty();
    }

    private void onHighWatermark() {
        overHigh = true;
        writable = false;
        if (!isClient()) {
            // The peer is not reading what we send; reading more of its requests would only queue more output.
            readSuspended = true;
            loop.counters().increment(LoopCounters.READS_SUSPENDED);
            updateInterest();
        }
    }

    private void onLowWatermark() {
        overHigh = false;
        writable = true;
        if (readSuspended) {
            readSuspended = false;
            updateInterest();
            if (hasBufferedInput()) {
                loop.execute(readBuffered());
            }
        }
        if (owner != null) {
            owner.onWritable();
        }
    }

    private void updateInterest() {
        if (key == null || state == CONNECTING || state == CLOSED) {
            return;
        }
        boolean reading = !readSuspended && !memoryPaused && (tls == null || !tls.tasksRunning());
        int ops = (reading ? SelectionKey.OP_READ : 0) | (writeInterest ? SelectionKey.OP_WRITE : 0);
        if (ops != key.interestOps()) {
            key.interestOps(ops);
        }
    }

    // ---------------------------------------------------------------- memory (loop thread)

    /** Whether reading is stopped because the memory budget ran short. */
    boolean memoryPaused() {
        return memoryPaused;
    }

    /** Whether the frame being read does not fit its buffer: the budget refused a larger one. */
    boolean spillShort() {
        return reader.spillShort();
    }

    /** Bytes of pooled memory this connection holds: spill, output and TLS buffers. Cold path. */
    long heldBytes() {
        return reader.heldBytes() + writer.heldBytes() + (tls == null ? 0 : tls.heldBytes())
            + (records == null ? 0 : records.heldBytes());
    }

    /**
     * Stops reading because the memory budget ran short, until {@link #resumeAfterMemory()}: the peer is held back
     * by TCP, so nothing it sends is lost. A closing connection keeps discarding its input instead.
     */
    void pauseForMemory() {
        if (memoryPaused || state >= CLOSING) {
            return;
        }
        memoryPaused = true;
        loop.memoryPauses(1);
        loop.counters().increment(LoopCounters.READS_SUSPENDED);
        updateInterest();
    }

    /**
     * Reads again, once the frame being read fits a buffer the budget grants now.
     *
     * @return whether reading resumed (or was not paused)
     */
    boolean resumeAfterMemory() {
        if (!memoryPaused) {
            return true;
        }
        if (!reader.growSpill()) {
            return false;
        }
        endMemoryPause();
        updateInterest();
        if (!readSuspended && hasBufferedInput()) {
            loop.execute(readBuffered());
        }
        return true;
    }

    private void endMemoryPause() {
        if (memoryPaused) {
            memoryPaused = false;
            loop.memoryPauses(-1);
        }
    }

    /**
     * The memory budget refused a buffer a request needs (its response, or its decompressed body): answers the
     * request OVERLOADED (a one-way message is dropped), logs it rate-limited, and stops reading until memory is
     * back. Counted as an OVERLOADED error and, by the pool, as a refusal.
     *
     * @param requestId the request, or 0 for a one-way message
     * @param what      what was refused, such as "response of 1048576 bytes"
     */
    void refuseForMemory(int requestId, String what) {
        MemoryBudget budget = loop.pool().budget();
        String reason = what + " refused: " + (budget.isLimited() ? "the server's memory budget of "
            + budget.limitBytes() + " bytes has no room for it (" + budget.reserved() + " bytes reserved)"
            : "no direct memory is left") + "; not processed, retry later";
        loop.counters().error(ErrorCode.OVERLOADED);
        if (requestId != 0 && state == OPEN) {
            writer.error(requestId, ErrorCode.OVERLOADED, reason);
        }
        settings.errorLog().report(ErrorCode.OVERLOADED, this, reason, loop::schedule);
        pauseForMemory();
    }

    private void markDirty() {
        if (!dirty) {
            dirty = true;
            loop.markDirty(this);
        }
    }

    /**
     * Sends a RESPONSE. Copies the body, except when it is the running handler's own request body, alone at the end of
     * its spill buffer, and is sent as it is: then that buffer goes to the output queue with the response's header
     * written over the request's, and the reader reads on into the shared buffer. Returns false if the connection is
     * not open or the body too large.
     */
    boolean sendResponse(int requestId, ByteBuffer body, boolean compress) {
        if (state != OPEN) {
            return false;
        }
        int length = body.remaining();
        if (length > peerMaxFrameLength) {
            sendError(requestId, ErrorCode.MESSAGE_TOO_LARGE, "response of " + length
                + " bytes exceeds the requester's maximum frame length of " + peerMaxFrameLength);
            return false;
        }
        dispatcher().answered();
        PooledBuffer own = ownSpill(body);
        int queued = writer.response(requestId, body, compress, own);
        if (queued == FrameWriter.REFUSED) {
            refuseForMemory(requestId, "response of " + length + " bytes");
            return false;
        }
        if (queued == FrameWriter.ADOPTED) {
            reader.handOffSpill();
        }
        return true;
    }

    /**
     * The spill buffer that the handler's own request body lies in, if {@code body} is that body's view and nothing
     * follows the request in the buffer, so that the buffer may go to the output queue; else null.
     */
    private PooledBuffer ownSpill(ByteBuffer body) {
        InboundMessage m = dispatcher.current();
        PooledBuffer own = m == null ? null : m.bufferOf(body);
        return own != null && reader.spillEndsAt(own, body.limit()) ? own : null;
    }

    /** Answers a request that was admitted with an ERROR. Returns false if the connection is not open. */
    boolean sendError(int requestId, ErrorCode code, String text) {
        if (state != OPEN) {
            return false;
        }
        dispatcher().answered();
        loop.counters().error(code);
        writer.error(requestId, code, text);
        return true;
    }

    /** Client side: assigns an id, remembers the request and queues it. */
    void sendRequest(PendingRequest p, ByteBuffer body) {
        if (state != OPEN || goAwayReceived) {
            p.completeExceptionally(notOpen());
            return;
        }
        if (pending.size() >= settings.maxInFlight()) {
            p.completeExceptionally(new OverloadedException(pending.size() + " requests in flight on " + description()
                + ", the maximum; " + p + " was not sent"));
            return;
        }
        int payloadLength = 1 + p.route.length + body.remaining();
        if (payloadLength > peerMaxFrameLength) {
            p.completeExceptionally(new IllegalArgumentException("request of " + payloadLength
                + " bytes exceeds the server's maximum frame length of " + peerMaxFrameLength + " (" + p + ")"));
            return;
        }
        int id = pending.add(p);
        writer.data(TYPE_REQUEST, id, p.route, body, p.compress);
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
        writer.data(TYPE_MESSAGE, 0, route, body, true);
        return true;
    }

    /** Server side, at shutdown: tells the peer to send no new requests; in-flight ones still complete. */
    void goAway() {
        if (state != OPEN) {
            closeGracefully(ErrorCode.SHUTTING_DOWN, "shutting down");
            return;
        }
        if (dispatcher().goAwaySent()) {
            return;
        }
        writer.goAway(dispatcher().goAway(), ErrorCode.SHUTTING_DOWN, "server shutting down");
    }

    private int pendingCount() {
        return pending == null ? 0 : pending.size();
    }

    /** After the peer's GOAWAY, closes the connection once nothing is pending on it. */
    private void drainedAfterGoAway() {
        if (goAwayReceived && pendingCount() == 0 && state == OPEN) {
            closeGracefully(ErrorCode.NORMAL, "drained after the peer's GOAWAY");
        }
    }

    ConnectionClosedException notOpen() {
        if (goAwayReceived && state == OPEN) {
            return new ConnectionClosedException(ErrorCode.SHUTTING_DOWN,
                description() + ": peer sent GOAWAY and takes no new requests");
        }
        return new ConnectionClosedException(closeCode, description() + " is closed: " + closeReason);
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
        if (state == CONNECTING || state == CLOSED) {
            return;
        }
        long netBefore = tls == null ? 0 : tls.netWritten();
        long written = writeOnce();
        boolean progress = written > 0 || tls != null && tls.netWritten() != netBefore;
        // Under TLS, output is blocked on the socket when encrypted bytes wait; frames waiting for the
        // handshake to finish are not blocked on the socket and must not ask for OP_WRITE.
        boolean blocked = tls != null ? tls.hasPendingOutput() || !writer.isEmpty() && !tls.isHandshaking()
            : !writer.isEmpty() || records != null && records.hasPendingOutput();
        if (!blocked) {
            writeStalled = false;
            if (writeInterest) {
                writeInterest = false;
                updateInterest();
            }
            if (state == CLOSING && !outputShutdown && writer.isEmpty()) {
                if (tls != null && !tls.closeOutbound()) {
                    // close_notify waits for the socket; shut down output once it has gone.
                    writeInterest = true;
                    updateInterest();
                    return;
                }
                outputShutdown = true;
                channel.shutdownOutput();
            }
        } else {
            // The socket is full: time the stall (the clock is read only on this slow path).
            if (FlowControl.restartsStall(progress, writeStalled)) {
                writeStalled = true;
                stallSinceNs = settings.clock().nanoTime();
            }
            if (!writeInterest) {
                writeInterest = true;
                updateInterest();
            }
        }
        if (settings.flow().fallsUnderLow(overHigh, writer.queuedBytes())) {
            onLowWatermark();
        }
    }

    /** One gathering write of what is queued, sealed first. */
    private long writeOnce() throws IOException {
        if (tls != null && writer.isEmpty()) {
            // Every frame is encrypted already; only encrypted bytes may still wait for the socket.
            tls.flushOutput();
            return 0;
        }
        if (records != null) {
            return writeRecords();
        }
        return writer.writeTo(tls == null ? channel : tls);
    }

    /** Writes what was queued before the stream was protected as it is, then the rest in sealed records. */
    private long writeRecords() throws IOException {
        long written = 0;
        if (records.rawLeft > 0) {
            written = writer.writeTo(channel, records.rawLeft);
            records.rawLeft -= written;
            if (records.rawLeft > 0) {
                return written;
            }
        }
        if (writer.isEmpty()) {
            records.flushOutput();
            return written;
        }
        return written + writer.writeTo(records);
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
        reportError(code, reason);
        beginClose(code, reason);
    }

    /**
     * Ends the connection at once, without CLOSE (the peer cannot be written to), reporting it as an error, and as a
     * failed handshake when it was not open yet (as {@link #closeWithError} does).
     */
    private void abort(ErrorCode code, String reason, Throwable cause) {
        reportError(code, reason);
        closeNow(code, reason, cause);
    }

    private void reportError(ErrorCode code, String reason) {
        settings.errorLog().report(code, this, reason, loop::schedule);
        loop.counters().error(code);
        if (state < OPEN) {
            loop.counters().increment(LoopCounters.HANDSHAKES_FAILED);
        }
        if (settings.errorListener() != null) {
            try {
                settings.errorListener().onConnectionError(description(), code, reason);
            } catch (RuntimeException e) {
                LOG.warn("{}: connection error listener failed", this, e);
            }
        }
    }

    /** Ends the connection in an orderly way: CLOSE with the code, then wait for the peer to close. */
    void closeGracefully(ErrorCode code, String reason) {
        if (state >= CLOSING) {
            return;
        }
        beginClose(code, reason);
    }

    /** Starts an orderly close unless already closed; returns whether the connection was still open or closing. */
    boolean closeGracefullyIfOpen(ErrorCode code, String reason) {
        if (state == CLOSED) {
            return false;
        }
        closeGracefully(code, reason);
        return true;
    }

    private void beginClose(ErrorCode code, String reason) {
        closeCode = code;
        closeReason = reason;
        stopAwaitingOpen();
        if (state == CONNECTING) {
            closeNow(code, reason, null);
            return;
        }
        // CLOSING before the waiters fail: their callbacks run now, and must see a connection that takes nothing.
        state = CLOSING;
        // A closing connection reads only to discard its input, which needs no memory.
        endMemoryPause();
        updateInterest();
        writer.close(code, reason);
        failWaiters(null);
        if (!inRead) {
            reader.release();
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
        endMemoryPause();
        cancelTimer();
        if (key != null) {
            key.cancel();
        }
        if (tls != null) {
            tls.release();
        }
        if (records != null) {
            records.release();
        }
        if (security != null) {
            security.destroy();
            security = null;
        }
        try {
            channel.close();
        } catch (IOException ignore) {
            // Closing is best effort; the descriptor is released either way.
        }
        writer.releaseAll();
        if (!inRead) {
            reader.release();
        }
        ConnectionClosedException failure = failWaiters(cause);
        writable = true;
        if (loopIndex >= 0) {
            loop.removeConnection(this);
            loop.counters().increment(LoopCounters.CONNECTIONS_CLOSED);
            loop.counters().add(LoopCounters.CONNECTIONS_ACTIVE, -1);
        }
        stopAwaitingOpen();
        if (settings.openConnections() != null) {
            settings.openConnections().decrementAndGet();
        }
        if (source != null) {
            source.release();
            source = null;
        }
        if (owner != null) {
            owner.onConnectionClosed(this, failure != null ? failure : closedException(cause));
        }
    }

    /** Fails every pending request; returns the exception used, or null if none was pending. */
    private ConnectionClosedException failWaiters(Throwable cause) {
        if (pendingCount() == 0) {
            return null;
        }
        ConnectionClosedException e = closedException(cause);
        pending.failAll(e);
        return e;
    }

    private ConnectionClosedException closedException(Throwable cause) {
        return cause == null
            ? new ConnectionClosedException(closeCode, description() + " closed: " + closeReason)
            : new ConnectionClosedException(closeCode, description() + " closed: " + closeReason, cause);
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
