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

import dev.netproto.api.ConnectionClosedException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.NoisePublicKey;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.RemoteException;
import dev.netproto.api.RequestTimeoutException;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.core.noise.HandshakeState;
import dev.netproto.core.noise.NoiseException;
import dev.netproto.core.noise.NoiseKeyPair;
import dev.netproto.core.noise.NoiseProtocol;
import dev.netproto.core.noise.ReplayCache;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
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
 * <p><b>Time.</b> The loop calls {@link #onTick()} every {@link EventLoop#TICK_NS}; it reads the connection's
 * clock once and enforces the connect, HELLO, idle, write and request timeouts and sends heartbeats. The receive
 * path reads the clock once per readable event, not per frame.
 *
 * <p><b>Backpressure.</b> When queued output passes the high watermark the connection stops accepting new sends
 * (clients: {@link #isWritable()} turns false) or stops reading (servers: a peer that does not read its
 * responses gets no more of its requests read), until the output drains under the low watermark.
 *
 * <p><b>Closing.</b> A protocol error sends CLOSE with its code, shuts down output once that is written, and then
 * discards input until the peer closes or {@link #LINGER_TIMEOUT_NS} passes. Closing the socket with unread input
 * would make the kernel send RST, which can destroy the CLOSE frame before the peer reads it.
 */
final class Connection implements EventLoop.Selectable, TlsWire.Events {
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
    /** Header flag: the body is compressed (docs/PROTOCOL.md section 5.1). */
    static final int FLAG_COMPRESSED = 0x01;
    /** The uncompressed length that precedes a compressed body. */
    static final int COMPRESSED_LENGTH_PREFIX = 4;
    /** Smallest spill buffer, for a remainder whose header is not complete yet. */
    static final int MIN_SPILL = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final EventLoop loop;
    private final SocketChannel channel;
    private final boolean client;
    private final Settings settings;
    private final long id;
    /** The peer as the transport named it (an address, or a text for unnamed peers); printed in descriptions. */
    private final Object peer;
    /** {@code conn#id peer}, built on first use (see {@link #description()}). */
    private String description;
    private final LoopCounters counters;
    private final Outbound outbound;
    /** The handler's message view and reply; created with the first request handled on the loop (idle: null). */
    private InboundMessage inbound;
    private LoopReply reply;
    /** Requests awaiting their answer; clients only (servers send no requests), null on the server side. */
    private final IntObjectMap<PendingRequest> pending;
    /** The client that owns this connection; null on the server side. */
    private final CoreClient owner;
    /** The TLS layer between socket and codec; null for plaintext transports. */
    private final TlsWire tls;
    /** Continues reading input the TLS layer buffered, which the selector cannot report; null without TLS. */
    private final Runnable readBuffered;
    /** The Noise session, from the HELLO exchange on; null without Noise. */
    private NoiseSession noise;
    /** Noise clients: the HELLO payload sent, which the handshake's prologue binds. */
    private byte[] helloSent;

    /** Index in the loop's connection array; written by {@link EventLoop}. */
    int loopIndex = -1;

    private volatile int state;
    private volatile int peerMaxFrameLength = PRE_HELLO_MAX_LENGTH;
    private volatile boolean goAwayReceived;
    private volatile boolean writable = true;

    private SelectionKey key;
    private PooledBuffer spill;
    private boolean dirty;
    private boolean writeInterest;
    private boolean readSuspended;
    private boolean overHigh;
    private boolean writeStalled;
    private boolean goAwaySent;
    private int interestOps;
    private long phaseStartNs;
    private long lastFrameNs;
    private long lastPingNs;
    private long stallSinceNs;
    private long nextRequestScanNs;
    private int serverInFlight;
    private int lastRequestIdReceived;
    /** Scratch for {@link #expireRequests}; created by its first scan, so that servers never hold one. */
    private int[] expired;
    private boolean outputShutdown;
    private boolean inRead;
    private int payloadOffset;
    private int frameOffset;
    /** The compression algorithm negotiated in HELLO; null for none. */
    private CompressionProvider codec;
    private int nextRequestId = 1;
    private int lingerBytes;
    private EventLoop.Timer timer;
    private ErrorCode closeCode = ErrorCode.NORMAL;
    private String closeReason = "closed";

    /**
     * Creates a connection; starts nothing.
     *
     * @param engine the TLS engine of a {@code tls} transport's connection; null for plaintext
     */
    Connection(EventLoop loop, SocketChannel channel, CoreClient owner, Settings settings, Object peer,
               SSLEngine engine) {
        this.loop = loop;
        this.channel = channel;
        this.owner = owner;
        this.client = owner != null;
        this.settings = settings;
        this.id = IDS.incrementAndGet();
        this.peer = peer;
        this.tls = engine == null ? null
            : new TlsWire(engine, settings.security().tls(), channel, loop, this);
        this.readBuffered = engine == null ? null : this::readBufferedInput;
        this.counters = loop.counters();
        this.outbound = new Outbound(loop.pool());
        this.pending = client ? new IntObjectMap<>(64) : null;
        this.state = client ? CONNECTING : AWAIT_HELLO;
        this.phaseStartNs = settings.clock().nanoTime();
        this.lastFrameNs = phaseStartNs;
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
     * the string (about 70 bytes). Log calls pass {@code this} rather than this string, so that a disabled level
     * builds nothing. Any thread: a racing first use builds equal strings, and a {@link String} is safely published
     * through its final fields.
     */
    private String description() {
        String d = description;
        if (d == null) {
            d = "conn#" + id + " " + peer;
            description = d;
        }
        return d;
    }

    /** How long the loop should poll before it blocks while it carries this connection; 0 for not at all. */
    long idleSpinNs() {
        return settings.idleSpinNs();
    }

    @Override
    public String toString() {
        return description();
    }

    // ---------------------------------------------------------------- start

    /**
     * Server side: registers an accepted channel; one over the connection limit is told why and closed.
     * Loop thread.
     */
    void startAccepted(boolean overLimit) {
        try {
            key = loop.register(channel, SelectionKey.OP_READ, this);
            interestOps = SelectionKey.OP_READ;
        } catch (IOException e) {
            closeNow(ErrorCode.TRANSPORT_ERROR, "registering failed: " + e.getMessage(), e);
            return;
        }
        opened();
        if (overLimit) {
            counters.increment(LoopCounters.CONNECTIONS_REFUSED);
            LOG.warn("{}: refused: the server has its maximum of {} connections", this,
                settings.maxConnections());
            closeGracefully(ErrorCode.TOO_MANY_CONNECTIONS,
                "the server has its maximum of " + settings.maxConnections() + " connections");
        }
    }

    /** Client side: registers the connecting channel. Loop thread. */
    void startClient() {
        try {
            boolean connected = channel.isConnected();
            interestOps = connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT;
            key = loop.register(channel, interestOps, this);
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
        counters.increment(LoopCounters.CONNECTIONS_OPENED);
        counters.increment(LoopCounters.CONNECTIONS_ACTIVE);
    }

    private void onConnected() {
        interestOps = SelectionKey.OP_READ;
        key.interestOps(interestOps);
        state = AWAIT_HELLO;
        phaseStartNs = settings.clock().nanoTime();
        Hello hello = new Hello(new byte[] {VERSION}, settings.maxFrameLength(), List.of(settings.security().name()),
            compressionNames(), settings.noise() == null ? List.of() : settings.noise().protocols);
        ByteBuffer out = frame(TYPE_HELLO, 0, hello.encodedLength());
        hello.encode(out, payloadOffset);
        if (settings.noise() != null) {
            helloSent = new byte[hello.encodedLength()];
            out.get(payloadOffset, helloSent);
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
        if (s == CONNECTING) {
            if (expired(now - phaseStartNs, settings.connectTimeoutNs())) {
                closeWithError(ErrorCode.TIMEOUT, "transport connect did not complete within "
                    + millis(settings.connectTimeoutNs()) + " ms");
            }
            return;
        }
        if (s == AWAIT_HELLO) {
            if (expired(now - phaseStartNs, settings.handshakeTimeoutNs())) {
                closeWithError(ErrorCode.TIMEOUT, "HELLO did not complete within "
                    + millis(settings.handshakeTimeoutNs()) + " ms");
            }
            return;
        }
        if (writeStalled && expired(now - stallSinceNs, settings.writeTimeoutNs())) {
            abort(ErrorCode.TIMEOUT, "queued output (" + outbound.queuedBytes() + " bytes) made no progress for "
                + millis(settings.writeTimeoutNs()) + " ms", null);
            return;
        }
        long quiet = now - lastFrameNs;
        if (quiet >= EventLoop.TICK_NS) {
            // Nothing received for a tick: idle, so give back the output queue's arrays (most output answers input).
            outbound.trim();
        }
        if (expired(quiet, settings.idleTimeoutNs())) {
            closeWithError(ErrorCode.TIMEOUT, "no frame received for " + millis(settings.idleTimeoutNs()) + " ms");
            return;
        }
        long heartbeat = settings.heartbeatNs();
        if (heartbeat > 0) {
            if (quiet >= heartbeat * (settings.missedHeartbeats() + 1L)) {
                closeWithError(ErrorCode.TIMEOUT, "peer missed " + settings.missedHeartbeats()
                    + " heartbeats (no frame for " + millis(quiet) + " ms)");
                return;
            }
            if (quiet >= heartbeat && now - lastPingNs >= heartbeat) {
                lastPingNs = now;
                counters.increment(LoopCounters.PINGS_SENT);
                frame(TYPE_PING, 0, PING_PAYLOAD_LENGTH).putLong(payloadOffset, now);
            }
        }
        if (settings.requestTimeoutNs() > 0 && pendingCount() > 0 && now - nextRequestScanNs >= 0) {
            expireRequests(now);
        }
    }

    private static boolean expired(long elapsedNs, long timeoutNs) {
        return timeoutNs > 0 && elapsedNs >= timeoutNs;
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Fails the pending requests whose deadline passed; remembers when the next one is due. */
    private void expireRequests(long now) {
        if (expired == null) {
            expired = new int[16];
        }
        int[] count = {0};
        long[] next = {Long.MAX_VALUE};
        pending.forEach((id, p) -> {
            if (now - p.deadlineNs >= 0) {
                if (count[0] == expired.length) {
                    expired = java.util.Arrays.copyOf(expired, count[0] * 2);
                }
                expired[count[0]++] = id;
            } else if (p.deadlineNs - next[0] < 0) {
                next[0] = p.deadlineNs;
            }
        });
        for (int i = 0; i < count[0]; i++) {
            PendingRequest p = pending.remove(expired[i]);
            counters.increment(LoopCounters.REQUESTS_TIMED_OUT);
            p.completeExceptionally(new RequestTimeoutException(p + " on " + description() + " got no answer within "
                + millis(settings.requestTimeoutNs()) + " ms"));
        }
        nextRequestScanNs = next[0] == Long.MAX_VALUE ? now + settings.requestTimeoutNs() : next[0];
        drainedAfterGoAway();
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
            counters.error(ErrorCode.TRANSPORT_ERROR);
        }
        closeNow(ErrorCode.TRANSPORT_ERROR, what + e.getMessage(), e);
    }

    private void onReadable() throws IOException {
        inRead = true;
        try {
            for (int i = 0; i < MAX_READS_PER_EVENT && state != CLOSED && !readSuspended; i++) {
                if (state == CLOSING) {
                    discardInput();
                    return;
                }
                PooledBuffer target = spill != null ? spill : loop.readBuffer();
                ByteBuffer buf = target.buf;
                int room = buf.remaining();
                int n = tls == null ? channel.read(buf) : tls.read(buf);
                if (n < 0) {
                    onEndOfStream();
                    return;
                }
                if (n == 0) {
                    return;
                }
                counters.add(LoopCounters.BYTES_RECEIVED, n);
                buf.flip();
                // Read before decoding: a frame's handler may complete a future whose waiter moves a test clock.
                long receivedNs = settings.clock().nanoTime();
                if (decode(target) > 0) {
                    lastFrameNs = receivedNs;
                }
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
            } else if (tls != null && !readSuspended && tls.hasBufferedInput()) {
                loop.execute(readBuffered);
            }
        }
    }

    /** Reads on, from what the TLS layer holds, after a read stopped early (read budget, full buffer). */
    private void readBufferedInput() {
        if (state == CLOSED || readSuspended) {
            return;
        }
        try {
            onReadable();
        } catch (IOException e) {
            onTransportFailure(e);
        }
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
        LOG.debug("{}: peer closed the connection without CLOSE", this);
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

    /**
     * Handles every complete frame in the buffer; leaves its position at the first incomplete one.
     *
     * @return how many frames were handled
     */
    private int decode(PooledBuffer src) {
        ByteBuffer b = src.buf;
        int pos = b.position();
        int limit = b.limit();
        int frames = 0;
        while (limit - pos >= HEADER_LENGTH && state < CLOSING) {
            int length = b.getInt(pos + LENGTH_OFFSET);
            if (!validHeader(b, pos, length)) {
                return frames;
            }
            int end = pos + HEADER_LENGTH + length;
            if (end > limit) {
                break;
            }
            counters.increment(LoopCounters.FRAMES_RECEIVED);
            frames++;
            int flags = b.get(pos + FLAGS_OFFSET);
            int payloadLength = length;
            if (noise != null && noise.opening()) {
                try {
                    payloadLength = noise.open(b, pos, length, flags);
                } catch (NoiseException e) {
                    closeWithError(ErrorCode.AUTHENTICATION_FAILED, "a sealed " + FrameDescriptor.typeName(
                        b.get(pos + TYPE_OFFSET)) + " frame of " + length + " bytes failed authentication: it was "
                        + "modified, dropped, reordered or replayed on the way (" + e.getMessage() + ")");
                    return frames;
                }
                flags &= ~NoiseSession.FLAG_REKEY;
            }
            onFrame(src, b.get(pos + TYPE_OFFSET), flags, b.getInt(pos + REQUEST_ID_OFFSET), pos + HEADER_LENGTH,
                payloadLength);
            pos = end;
        }
        b.position(pos);
        return frames;
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
        int flags = b.get(pos + FLAGS_OFFSET) & 0xFF;
        boolean sealed = noise != null && noise.opening();
        if (sealed) {
            flags &= ~NoiseSession.FLAG_REKEY;
        }
        if ((b.get(pos + RESERVED8_OFFSET) | b.getShort(pos + RESERVED16_OFFSET)) != 0
            || flags != 0 && !compressedAllowed(type, flags)) {
            return failMalformed("flags 0x" + Integer.toHexString(flags) + " or reserved bits set in a "
                + FrameDescriptor.typeName(type) + " frame (compression: " + (codec == null ? "none" : codec.name())
                + ")");
        }
        int limit = state != OPEN ? PRE_HELLO_MAX_LENGTH
            : sealed ? NoiseSession.sealedLength(settings.maxFrameLength()) : settings.maxFrameLength();
        if (length < 0 || length > limit) {
            return failTooLarge(type, length, limit);
        }
        if (sealed && NoiseSession.plainLength(length) < 0) {
            return failMalformed("sealed " + FrameDescriptor.typeName(type) + " frame of " + length
                + " bytes: no sealed payload has that length");
        }
        boolean needsId = type == TYPE_REQUEST || type == TYPE_RESPONSE || type == TYPE_ERROR;
        if (needsId != (b.getInt(pos + REQUEST_ID_OFFSET) != 0)) {
            return failMalformed(FrameDescriptor.typeName(type) + " frame with request id "
                + Integer.toUnsignedString(b.getInt(pos + REQUEST_ID_OFFSET)));
        }
        return true;
    }

    private boolean compressedAllowed(int type, int flags) {
        return flags == FLAG_COMPRESSED && codec != null
            && (type == TYPE_REQUEST || type == TYPE_MESSAGE || type == TYPE_RESPONSE);
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
        closeWithError(ErrorCode.UNEXPECTED_FRAME, FrameDescriptor.typeName(type) + " frame not allowed "
            + (noiseHandshaking() ? "during the Noise handshake (only HANDSHAKE and CLOSE until the session is open)"
                : "in state " + stateName()));
    }

    /**
     * Whether HELLO is done and the Noise session is not open yet (for an XX client, until it has opened the
     * server's acceptance): only HANDSHAKE and CLOSE may arrive (docs/PROTOCOL.md section 8).
     */
    private boolean noiseHandshaking() {
        return noise != null && state == AWAIT_HELLO;
    }

    private void onFrame(PooledBuffer src, int type, int flags, int requestId, int offset, int length) {
        if (state != OPEN && type != TYPE_HELLO && type != TYPE_CLOSE && (type != TYPE_HANDSHAKE || noise == null)) {
            failUnexpected(type);
            return;
        }
        switch (type) {
            case TYPE_REQUEST, TYPE_MESSAGE -> onRequest(src, type, flags != 0, requestId, offset, length);
            case TYPE_RESPONSE -> onResponse(src, flags != 0, requestId, offset, length);
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
            case TYPE_HANDSHAKE -> {
                if (state == OPEN) {
                    failUnexpected(type);
                } else {
                    onHandshake(src.buf, offset, length);
                }
            }
            default -> failMalformed("unknown frame type " + type);
        }
    }

    private void onRequest(PooledBuffer src, int type, boolean compressed, int requestId, int offset, int length) {
        ByteBuffer b = src.buf;
        int routeLength = length > 0 ? b.get(offset) & 0xFF : 0;
        if (routeLength == 0 || routeLength + 1 > length) {
            failMalformed(FrameDescriptor.typeName(type) + " with route length " + routeLength + " in a payload of "
                + length + " bytes");
            return;
        }
        if (requestId != 0 && !admit(requestId)) {
            return;
        }
        if (requestId == 0 && goAwaySent) {
            return;
        }
        RouteTable.Route route = settings.routes().find(b, offset + 1, routeLength);
        int bodyOffset = offset + 1 + routeLength;
        int bodyLength = length - 1 - routeLength;
        if (route == null) {
            onUnknownRoute(b, requestId, offset + 1, routeLength);
            return;
        }
        PooledBuffer body = src;
        if (compressed) {
            // Decompressed only once the route is known: an unknown route costs no decompression.
            body = inflate(src, bodyOffset, bodyLength);
            if (body == null) {
                return;
            }
            bodyOffset = 0;
            bodyLength = body.buf.limit();
        }
        try {
            if (route.blocking) {
                dispatchBlocking(route, requestId, OwnedMessage.copyOf(route.nameString, requestId, body.buf,
                    bodyOffset, bodyLength));
            } else {
                dispatch(route, requestId, body, bodyOffset, bodyLength);
            }
        } finally {
            if (body != src) {
                loop.pool().release(body);
            }
        }
    }

    /**
     * Decompresses a body into a pooled buffer of exactly its stated length, after checking that length against
     * the maximum frame length and the ratio cap (so a bomb costs no more than a maximum frame); closes the
     * connection with DECOMPRESSION_FAILED and returns null when any check or the decompression fails.
     */
    private PooledBuffer inflate(PooledBuffer src, int offset, int length) {
        if (length < COMPRESSED_LENGTH_PREFIX) {
            closeWithError(ErrorCode.DECOMPRESSION_FAILED, "compressed body of " + length
                + " bytes has no room for its length prefix");
            return null;
        }
        int claimed = src.buf.getInt(offset);
        int compressedLength = length - COMPRESSED_LENGTH_PREFIX;
        if (claimed < 0 || claimed > settings.maxFrameLength()) {
            closeWithError(ErrorCode.DECOMPRESSION_FAILED, "compressed body claims " + Integer.toUnsignedString(claimed)
                + " bytes, more than the maximum frame length of " + settings.maxFrameLength());
            return null;
        }
        if (!CompressionLimits.withinRatio(compressedLength, claimed, settings.maxCompressionRatio())) {
            closeWithError(ErrorCode.DECOMPRESSION_FAILED, "compressed body of " + compressedLength
                + " bytes claims " + claimed + " bytes, more than " + settings.maxCompressionRatio()
                + " times as many (the ratio cap)");
            return null;
        }
        PooledBuffer out = loop.pool().acquire(Math.max(claimed, 1));
        try {
            ByteBuffer dst = out.buf;
            dst.limit(claimed);
            codec.decompress(src.region(offset + COMPRESSED_LENGTH_PREFIX, compressedLength), dst, claimed);
            dst.flip();
            return out;
        } catch (RuntimeException e) {
            loop.pool().release(out);
            closeWithError(ErrorCode.DECOMPRESSION_FAILED, codec.name() + " body refused: " + e.getMessage());
            return null;
        }
    }

    /**
     * Decides whether a request is processed: not after this side sent GOAWAY (NOT_PROCESSED: safe to retry), not
     * beyond the in-flight limit (OVERLOADED). Counts it as in flight when it is.
     */
    private boolean admit(int requestId) {
        if (goAwaySent) {
            writeError(requestId, ErrorCode.NOT_PROCESSED, "not processed: the server is shutting down (GOAWAY sent)");
            return false;
        }
        if (serverInFlight >= settings.maxInFlight()) {
            writeError(requestId, ErrorCode.OVERLOADED, serverInFlight + " requests in flight on this connection,"
                + " the maximum; not processed");
            return false;
        }
        lastRequestIdReceived = requestId;
        serverInFlight++;
        return true;
    }

    private void dispatch(RouteTable.Route route, int requestId, PooledBuffer src, int bodyOffset, int bodyLength) {
        if (reply == null) {
            inbound = new InboundMessage();
            reply = new LoopReply(this);
        }
        InboundMessage inbound = this.inbound;
        LoopReply reply = this.reply;
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
        LOG.warn("{}: handler for route '{}' failed on request {}", this, route.nameString,
            Integer.toUnsignedString(requestId), e);
    }

    private void onUnknownRoute(ByteBuffer b, int requestId, int routeOffset, int routeLength) {
        String name = Texts.decode(b, routeOffset, routeLength);
        if (requestId != 0) {
            sendError(requestId, ErrorCode.UNKNOWN_ROUTE, "unknown route '" + name + "'");
        } else {
            counters.error(ErrorCode.UNKNOWN_ROUTE);
            LOG.debug("{}: dropped a one-way message to unknown route '{}'", this, name);
        }
    }

    private void onResponse(PooledBuffer src, boolean compressed, int requestId, int offset, int length) {
        ByteBuffer b = src.buf;
        if (compressed) {
            PooledBuffer body = inflate(src, offset, length);
            if (body == null) {
                return;
            }
            try {
                onResponse(body, false, requestId, 0, body.buf.limit());
            } finally {
                loop.pool().release(body);
            }
            return;
        }
        PendingRequest p = client ? pending.remove(requestId) : null;
        if (p == null) {
            counters.increment(LoopCounters.LATE_RESPONSES);
            LOG.debug("{}: dropped a response to request {} that is not pending", this,
                Integer.toUnsignedString(requestId));
            return;
        }
        p.complete(OwnedMessage.copyOf(null, requestId, b, offset, length));
        drainedAfterGoAway();
    }

    private void onErrorFrame(ByteBuffer b, int requestId, int offset, int length) {
        if (length < 2) {
            failMalformed("ERROR payload of " + length + " bytes (at least 2)");
            return;
        }
        int code = b.getShort(offset) & 0xFFFF;
        ErrorCode known = ErrorCode.fromCode(code);
        counters.error(known);
        PendingRequest p = client ? pending.remove(requestId) : null;
        if (p == null) {
            counters.increment(LoopCounters.LATE_RESPONSES);
            LOG.debug("{}: dropped an error for request {} that is not pending", this,
                Integer.toUnsignedString(requestId));
            return;
        }
        String text = Texts.decode(b, offset + 2, length - 2);
        p.completeExceptionally(new RemoteException(code, "request to route '" + p.routeName + "' on "
            + description() + " failed with " + known + " (" + code + "): " + text));
        drainedAfterGoAway();
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

    /** Server side, at shutdown: tells the peer to send no new requests; in-flight ones still complete. */
    void goAway() {
        if (state != OPEN) {
            closeGracefully(ErrorCode.SHUTTING_DOWN, "shutting down");
            return;
        }
        if (goAwaySent) {
            return;
        }
        goAwaySent = true;
        byte[] text = Texts.utf8("server shutting down", MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_GOAWAY, 0, 6 + text.length);
        out.putInt(payloadOffset, lastRequestIdReceived);
        out.putShort(payloadOffset + 4, (short) ErrorCode.SHUTTING_DOWN.code());
        out.put(payloadOffset + 6, text);
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
            LOG.info("{}: peer closed the connection with {}: {}", this, code, text);
        }
        // Answers produced before the CLOSE arrived (in this same read) still go out: one write attempt.
        try {
            writeOnce();
        } catch (IOException ignore) {
            // The peer is gone already; there is nobody left to tell.
        }
        closeNow(code, "closed by peer: " + text, null);
    }

    private void onHello(ByteBuffer b, int offset, int length) {
        // A HELLO during the Noise handshake is a second one: the state is still AWAIT_HELLO until the session opens.
        if (state != AWAIT_HELLO || noise != null) {
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
        codec = chooseCompression(hello.compression());
        byte[] received = settings.noise() == null ? null : new byte[length];
        if (received != null) {
            b.get(offset, received);
        }
        if (!client) {
            String protocol = settings.noise() == null ? null : settings.noise().choose(hello.noise());
            if (settings.noise() != null && protocol == null) {
                closeWithError(ErrorCode.NEGOTIATION_FAILED, "no common Noise protocol: peer offers "
                    + hello.noise() + ", this side accepts " + settings.noise().protocols);
                return;
            }
            Hello answer = new Hello(new byte[] {VERSION}, settings.maxFrameLength(),
                List.of(settings.security().name()), codec == null ? List.of() : List.of(codec.name()),
                protocol == null ? List.of() : List.of(protocol));
            ByteBuffer out = frame(TYPE_HELLO, 0, answer.encodedLength());
            answer.encode(out, payloadOffset);
            if (protocol != null) {
                byte[] sent = new byte[answer.encodedLength()];
                out.get(payloadOffset, sent);
                startNoise(protocol, received, sent);
                return;
            }
        } else if (settings.noise() != null) {
            if (hello.noise().size() != 1 || !settings.noise().protocols.contains(hello.noise().get(0))) {
                closeWithError(ErrorCode.NEGOTIATION_FAILED, "server answered Noise protocols " + hello.noise()
                    + " instead of exactly one of the offered " + settings.noise().protocols);
                return;
            }
            startNoise(hello.noise().get(0), helloSent, received);
            return;
        }
        becomeOpen();
    }

    /** The connection is ready for requests: HELLO done, and the Noise handshake if there is one. */
    private void becomeOpen() {
        state = OPEN;
        counters.increment(LoopCounters.HANDSHAKES_COMPLETED);
        if (owner != null) {
            owner.onConnected(this);
        }
    }

    // ---------------------------------------------------------------- Noise

    /**
     * Starts the Noise handshake after HELLO. The prologue binds both HELLO payloads, so that a man in the middle
     * who edits either (to force a weaker choice) makes the handshake fail.
     */
    private void startNoise(String protocolName, byte[] clientHello, byte[] serverHello) {
        NoiseContext ctx = settings.noise();
        byte[] prologue = new byte[NoiseContext.PROLOGUE_LABEL.length + clientHello.length + serverHello.length];
        System.arraycopy(NoiseContext.PROLOGUE_LABEL, 0, prologue, 0, NoiseContext.PROLOGUE_LABEL.length);
        System.arraycopy(clientHello, 0, prologue, NoiseContext.PROLOGUE_LABEL.length, clientHello.length);
        System.arraycopy(serverHello, 0, prologue, NoiseContext.PROLOGUE_LABEL.length + clientHello.length,
            serverHello.length);
        helloSent = null;
        NoiseProtocol protocol = NoiseProtocol.parse(protocolName);
        boolean nk = NoiseContext.isNk(protocolName);
        HandshakeState hs = client
            ? HandshakeState.initiator(protocol, prologue, nk ? null : ctx.staticKeys, nk ? ctx.serverKeyBytes() : null)
            : HandshakeState.responder(protocol, prologue, ctx.staticKeys, null);
        noise = new NoiseSession(protocolName, hs, ctx.options.rekeyAfterMessages(), ctx.options.rekeyAfterBytes());
        if (client) {
            // The first message carries the wall-clock time, so that the server can refuse an old one replayed;
            // u64 milliseconds, big-endian (ByteBuffer's default order) like every integer on the wire.
            byte[] timestamp = new byte[NoiseContext.TIMESTAMP_LENGTH];
            ByteBuffer.wrap(timestamp).putLong(ctx.options.clock().millis());
            writeHandshake(hs.writeMessage(timestamp));
        }
    }

    private void writeHandshake(byte[] message) {
        ByteBuffer out = frame(TYPE_HANDSHAKE, 0, message.length);
        out.put(payloadOffset, message);
    }

    private void onHandshake(ByteBuffer b, int offset, int length) {
        HandshakeState hs = noise == null ? null : noise.handshake();
        if (hs == null && client && noise != null && noise.opening()) {
            // XX: the server's sealed, empty confirmation that it accepted this client's key.
            if (length != 0) {
                closeWithError(ErrorCode.HANDSHAKE_FAILED, "the server's acceptance carries " + length
                    + " bytes; it must be empty");
                return;
            }
            becomeOpen();
            return;
        }
        if (hs == null || hs.isWriteTurn()) {
            closeWithError(ErrorCode.UNEXPECTED_FRAME, "HANDSHAKE frame out of turn: " + (hs == null
                ? "the Noise handshake is over" : "this side writes the next Noise message"));
            return;
        }
        byte[] message = new byte[length];
        b.get(offset, message);
        NoiseContext ctx = settings.noise();
        try {
            int read = noise.countRead();
            boolean first = !client && read == 0;
            byte[] payload = hs.readMessage(message);
            if (first && !admitFirstMessage(ctx, payload, message)) {
                return;
            }
            if (!first && payload.length != 0) {
                if (hs.isComplete()) {
                    // The peer has split already and reads only sealed frames: seal the refusal too.
                    noise.split();
                }
                closeWithError(ErrorCode.HANDSHAKE_FAILED, "Noise message " + (client ? 2 * read + 2 : 2 * read + 1)
                    + " carries " + payload.length + " bytes of payload; every message but the first must carry none");
                return;
            }
            if (client && hs.remoteStaticKey() != null && !checkPeerKey(ctx, hs.remoteStaticKey())) {
                return;
            }
            if (!hs.isComplete()) {
                writeHandshake(hs.writeMessage(new byte[0]));
            }
            if (hs.isComplete()) {
                byte[] peerStatic = hs.remoteStaticKey();
                noise.split();
                // Split before the check: a refusal then travels sealed, which the peer can read and trust.
                if (!client && peerStatic != null && !checkPeerKey(ctx, peerStatic)) {
                    return;
                }
                if (!client && peerStatic == null) {
                    LOG.debug("{}: Noise session with an anonymous client ({})", this, noise.protocol);
                } else {
                    LOG.debug("{}: Noise session established ({}), peer {}", this, noise.protocol,
                        peerStatic == null ? "pinned server" : NoisePublicKey.of(peerStatic).fingerprint());
                }
                if (!NoiseContext.isNk(noise.protocol)) {
                    if (client) {
                        // The server checks this client's key after the last message: wait for its verdict, so
                        // that a refused client fails to connect rather than on its first request.
                        return;
                    }
                    writeHandshake(new byte[0]);
                }
                becomeOpen();
            }
        } catch (NoiseException | IllegalArgumentException | IllegalStateException e) {
            closeWithError(ErrorCode.HANDSHAKE_FAILED, "Noise handshake failed: " + e.getMessage());
        }
    }

    /** Responders: refuses a first message whose timestamp is outside the window, or one seen before. */
    private boolean admitFirstMessage(NoiseContext ctx, byte[] payload, byte[] message) {
        if (payload.length != NoiseContext.TIMESTAMP_LENGTH) {
            closeWithError(ErrorCode.HANDSHAKE_FAILED, "first Noise message carries " + payload.length
                + " bytes of payload, expected an " + NoiseContext.TIMESTAMP_LENGTH + "-byte timestamp");
            return false;
        }
        long timestamp = ByteBuffer.wrap(payload).getLong();
        byte[] ephemeral = java.util.Arrays.copyOf(message, NoiseKeyPair.KEY_LENGTH);
        ReplayCache.Result result = ctx.replay.check(timestamp, ephemeral);
        if (result != ReplayCache.Result.ACCEPTED) {
            closeWithError(ErrorCode.HANDSHAKE_FAILED, "first Noise message refused (" + result + "): timestamp "
                + java.time.Instant.ofEpochMilli(timestamp) + ", window " + ctx.options.replayWindow()
                + " around " + java.time.Instant.ofEpochMilli(ctx.options.clock().millis()));
            return false;
        }
        return true;
    }

    private boolean checkPeerKey(NoiseContext ctx, byte[] peerStatic) {
        NoisePublicKey key = NoisePublicKey.of(peerStatic);
        if (ctx.accepts(key, client)) {
            return true;
        }
        String reason = client
            ? "server key " + key.fingerprint() + " is not the pinned key " + ctx.options.serverKey().fingerprint()
            : "client key " + key.fingerprint() + " (" + key + ") is not in the authorized keys";
        closeWithError(ErrorCode.PEER_NOT_AUTHORIZED, reason);
        return false;
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
        String security = settings.security().name();
        boolean securityOk = client ? hello.security().equals(List.of(security)) : hello.security().contains(security);
        if (!securityOk) {
            return "no common security: peer " + (client ? "chose " : "offers ") + hello.security()
                + ", this side requires '" + security + "'";
        }
        if (client && (hello.compression().size() > 1
            || hello.compression().size() == 1 && !compressionNames().contains(hello.compression().get(0)))) {
            return "server chose compression " + hello.compression() + ", this side offered " + compressionNames();
        }
        int max = hello.maxFrameLength();
        if (max < dev.netproto.api.Limits.MIN_FRAME_LENGTH || max > dev.netproto.api.Limits.MAX_FRAME_LENGTH_CAP) {
            return "peer's maximum frame length " + max + " is outside " + dev.netproto.api.Limits.MIN_FRAME_LENGTH
                + ".." + dev.netproto.api.Limits.MAX_FRAME_LENGTH_CAP;
        }
        return null;
    }

    private List<String> compressionNames() {
        List<String> names = new java.util.ArrayList<>(settings.compressors().length);
        for (CompressionProvider p : settings.compressors()) {
            names.add(p.name());
        }
        return names;
    }

    /** Server: the client's first preference that this side has. Client: the server's (validated) choice. */
    private CompressionProvider chooseCompression(List<String> peerNames) {
        for (String name : peerNames) {
            for (CompressionProvider p : settings.compressors()) {
                if (p.name().equals(name)) {
                    return p;
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- sending (loop thread)

    /** Writes a frame header and marks the connection for the end-of-cycle flush; the payload goes at
     * {@link #payloadOffset}. */
    private ByteBuffer frame(int type, int requestId, int payloadLength) {
        boolean seal = noise != null && noise.sealing();
        int wireLength = seal ? NoiseSession.sealedLength(payloadLength) : payloadLength;
        ByteBuffer b = outbound.reserve(HEADER_LENGTH + wireLength);
        int o = outbound.reservedOffset();
        FrameCodec.writeHeader(b, o, type, 0, requestId, wireLength);
        if (seal) {
            noise.addPending(b, o, payloadLength);
        }
        frameOffset = o;
        payloadOffset = o + HEADER_LENGTH;
        counters.increment(LoopCounters.FRAMES_SENT);
        counters.add(LoopCounters.OUTBOUND_BYTES, HEADER_LENGTH + wireLength);
        if (!overHigh && outbound.queuedBytes() > settings.highWatermark()) {
            onHighWatermark();
        }
        markDirty();
        return b;
    }

    private void onHighWatermark() {
        overHigh = true;
        writable = false;
        if (!client) {
            // The peer is not reading what we send; reading more of its requests would only queue more output.
            readSuspended = true;
            counters.increment(LoopCounters.READS_SUSPENDED);
            updateInterest();
        }
    }

    private void onLowWatermark() {
        overHigh = false;
        writable = true;
        if (readSuspended) {
            readSuspended = false;
            updateInterest();
            if (tls != null && tls.hasBufferedInput()) {
                loop.execute(readBuffered);
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
        boolean reading = !readSuspended && (tls == null || !tls.tasksRunning());
        int ops = (reading ? SelectionKey.OP_READ : 0) | (writeInterest ? SelectionKey.OP_WRITE : 0);
        if (ops != interestOps) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    private void markDirty() {
        if (!dirty) {
            dirty = true;
            loop.markDirty(this);
        }
    }

    /** Sends a RESPONSE; copies the body. Returns false if the connection is not open or the body too large. */
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
        answered();
        writeData(TYPE_RESPONSE, requestId, null, body, compress);
        return true;
    }

    /** Answers a request that was admitted with an ERROR. Returns false if the connection is not open. */
    boolean sendError(int requestId, ErrorCode code, String text) {
        if (state != OPEN) {
            return false;
        }
        answered();
        return writeError(requestId, code, text);
    }

    private void answered() {
        if (serverInFlight > 0) {
            serverInFlight--;
        }
    }

    private boolean writeError(int requestId, ErrorCode code, String text) {
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
        int id = nextRequestId();
        p.requestId = id;
        if (pending.size() == 0) {
            nextRequestScanNs = p.deadlineNs;
        }
        pending.put(id, p);
        writeData(TYPE_REQUEST, id, p.route, body, p.compress);
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
        writeData(TYPE_MESSAGE, 0, route, body, true);
        return true;
    }

    /**
     * Writes a REQUEST, MESSAGE or RESPONSE: the route prefix (when there is one) in the clear, then the body,
     * compressed in place into the outbound segment when compression was negotiated, the body is long enough, the
     * sender allows it, the loop's entropy sample says it will shrink, and it did shrink (docs/PROTOCOL.md
     * section 5.1). The body's position is not changed.
     */
    private void writeData(int type, int requestId, byte[] route, ByteBuffer body, boolean compress) {
        int prefix = route == null ? 0 : 1 + route.length;
        int bodyLength = body.remaining();
        CompressionProvider c = codec;
        if (c == null || !compress || bodyLength < settings.compressMinLength()
            || !loop.compressibility().likelyCompressible(body)) {
            ByteBuffer out = frame(type, requestId, prefix + bodyLength);
            writePrefix(out, route);
            out.put(payloadOffset + prefix, body, body.position(), bodyLength);
            return;
        }
        int bound = c.maxCompressedLength(bodyLength);
        int reserved = prefix + COMPRESSED_LENGTH_PREFIX + bound;
        ByteBuffer out = frame(type, requestId, reserved);
        writePrefix(out, route);
        int at = payloadOffset + prefix;
        int start = body.position();
        int compressed;
        try {
            compressed = c.compress(body, outbound.reservedSegment().region(at + COMPRESSED_LENGTH_PREFIX, bound));
        } catch (RuntimeException e) {
            // The frame is already reserved: fill it with the plain body rather than leave a hole in the stream.
            LOG.warn("{}: {} failed to compress a body of {} bytes; sent uncompressed", this, c.name(),
                bodyLength, e);
            compressed = Integer.MAX_VALUE - COMPRESSED_LENGTH_PREFIX;
        } finally {
            body.position(start);
        }
        int payload;
        // Sent compressed only if smaller, and within the ratio cap every receiver enforces (zstd shrinks a run of
        // zeros far more than 1:1024, and the receiver would take that for a bomb). Both count the compressed data
        // alone, without its length prefix (PROTOCOL.md section 5.1).
        if (COMPRESSED_LENGTH_PREFIX + compressed < bodyLength
            && CompressionLimits.withinRatio(compressed, bodyLength, settings.maxCompressionRatio())) {
            out.put(frameOffset + FLAGS_OFFSET, (byte) FLAG_COMPRESSED);
            out.putInt(at, bodyLength);
            payload = prefix + COMPRESSED_LENGTH_PREFIX + compressed;
            counters.increment(LoopCounters.FRAMES_COMPRESSED);
        } else {
            // It did not shrink (the sample misjudged it): send it as it is, from the same reservation.
            out.put(at, body, start, bodyLength);
            payload = prefix + bodyLength;
        }
        shrinkLast(out, reserved, payload);
    }

    /** Gives back the unused end of the last frame's reservation, whose payload came out shorter. */
    private void shrinkLast(ByteBuffer out, int reservedPayload, int payload) {
        int unused;
        if (noise != null && noise.sealing()) {
            noise.resizeLast(payload);
            out.putInt(frameOffset + LENGTH_OFFSET, NoiseSession.sealedLength(payload));
            unused = NoiseSession.sealedLength(reservedPayload) - NoiseSession.sealedLength(payload);
        } else {
            out.putInt(frameOffset + LENGTH_OFFSET, payload);
            unused = reservedPayload - payload;
        }
        outbound.trimLast(unused);
        counters.add(LoopCounters.OUTBOUND_BYTES, -unused);
    }

    private void writePrefix(ByteBuffer out, byte[] route) {
        if (route != null) {
            out.put(payloadOffset, (byte) route.length);
            out.put(payloadOffset + 1, route);
        }
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
        boolean blocked = tls == null ? !outbound.isEmpty()
            : tls.hasPendingOutput() || !outbound.isEmpty() && !tls.isHandshaking();
        if (!blocked) {
            writeStalled = false;
            if (writeInterest) {
                writeInterest = false;
                updateInterest();
            }
            if (state == CLOSING && !outputShutdown && outbound.isEmpty()) {
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
            if (progress || !writeStalled) {
                writeStalled = true;
                stallSinceNs = settings.clock().nanoTime();
            }
            if (!writeInterest) {
                writeInterest = true;
                updateInterest();
            }
        }
        if (overHigh && outbound.queuedBytes() < settings.lowWatermark()) {
            onLowWatermark();
        }
    }

    /** One gathering write of what is queued, counted. */
    private long writeOnce() throws IOException {
        if (noise != null) {
            long rekeys = noise.rekeys();
            noise.sealPending();
            if (noise.rekeys() != rekeys) {
                counters.add(LoopCounters.NOISE_REKEYS, noise.rekeys() - rekeys);
            }
        }
        if (tls != null && outbound.isEmpty()) {
            // Every frame is encrypted already; only encrypted bytes may still wait for the socket.
            tls.flushOutput();
            return 0;
        }
        long written = outbound.writeTo(tls == null ? channel : tls);
        if (written > 0) {
            counters.add(LoopCounters.BYTES_SENT, written);
            counters.add(LoopCounters.OUTBOUND_BYTES, -written);
        }
        return written;
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
        LOG.warn("{}: closing: {} ({})", this, reason, code);
        counters.error(code);
        if (state < OPEN) {
            counters.increment(LoopCounters.HANDSHAKES_FAILED);
        }
        notifyErrorListener(code, reason);
        beginClose(code, reason);
    }

    /**
     * Ends the connection at once, without CLOSE (the peer cannot be written to), reporting it as an error, and as a
     * failed handshake when it was not open yet (as {@link #closeWithError} does).
     */
    private void abort(ErrorCode code, String reason, Throwable cause) {
        LOG.warn("{}: closing: {} ({})", this, reason, code);
        counters.error(code);
        if (state < OPEN) {
            counters.increment(LoopCounters.HANDSHAKES_FAILED);
        }
        notifyErrorListener(code, reason);
        closeNow(code, reason, cause);
    }

    private void notifyErrorListener(ErrorCode code, String reason) {
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
        if (state == CONNECTING) {
            closeNow(code, reason, null);
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
        if (state == CONNECTING) {
            closeNow(code, reason, null);
            return;
        }
        // CLOSING before the waiters fail: their callbacks run now, and must see a connection that takes nothing.
        state = CLOSING;
        byte[] text = Texts.utf8(reason, MAX_TEXT_LENGTH);
        ByteBuffer out = frame(TYPE_CLOSE, 0, 2 + text.length);
        out.putShort(payloadOffset, (short) code.code());
        out.put(payloadOffset + 2, text);
        failWaiters(null);
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
        if (tls != null) {
            tls.release();
        }
        if (noise != null) {
            // Seal what is queued first would be pointless: the queue is dropped below. Wipe the keys.
            noise.destroy();
        }
        try {
            channel.close();
        } catch (IOException ignore) {
            // Closing is best effort; the descriptor is released either way.
        }
        counters.add(LoopCounters.OUTBOUND_BYTES, -outbound.queuedBytes());
        outbound.releaseAll();
        if (!inRead) {
            releaseSpill();
        }
        ConnectionClosedException failure = failWaiters(cause);
        writable = true;
        if (loopIndex >= 0) {
            loop.removeConnection(this);
            counters.increment(LoopCounters.CONNECTIONS_CLOSED);
            counters.add(LoopCounters.CONNECTIONS_ACTIVE, -1);
        }
        if (settings.openConnections() != null) {
            settings.openConnections().decrementAndGet();
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
        pending.drain(p -> p.completeExceptionally(e));
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
