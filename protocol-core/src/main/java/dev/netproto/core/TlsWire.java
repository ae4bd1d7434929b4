package dev.netproto.core;

import dev.netproto.api.spi.TlsEngineSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/*
 * Why this file is about 750 lines: SSLEngine's contract (handshake states, delegated tasks, buffer
 * overflow and underflow on both sides, close_notify) is one state machine, and every branch of it is exercised by
 * TlsTransportTest and TlsPeersTest; cutting it in two would split that machine across files.
 */

/**
 * Runs one connection's {@link SSLEngine} between its socket and its frame codec, on the connection's event loop.
 * To the connection it looks like the socket: {@link #read} yields plaintext and {@link #write(ByteBuffer[], int,
 * int)} takes plaintext, so the codec, the outbound queue and the watermarks work unchanged.
 *
 * <p><b>Handshake.</b> Driven by whichever of read, write or a finished delegated task comes next; until it
 * finishes, reads yield nothing and writes take nothing (the connection's HELLO waits in its outbound queue).
 * Delegated tasks (certificate checks, key generation) run on a virtual thread, never on the loop; meanwhile the
 * connection stops reading, and the loop resumes the handshake once they are done. A finished handshake is
 * checked by the {@link TlsEngineSource} (ALPN) before any frame is read.
 *
 * <p><b>Renegotiation.</b> A TLS 1.2 session gets exactly one handshake: a second one (the peer's ClientHello, or a
 * server's HelloRequest) throws {@link RenegotiationRefusedException} before the engine answers it, and the
 * connection closes. The JDK would accept the renegotiation, but nothing here drives a handshake after the first
 * (the session then stalled and died with unexpected_message), and the only JDK switch,
 * {@code jdk.tls.rejectClientInitiatedRenegotiation}, is a system property read once for the whole JVM. TLS 1.3 has
 * no renegotiation; its post-handshake messages (KeyUpdate, NewSessionTicket) are answered as before.
 *
 * <p><b>Records.</b> One {@link #write(ByteBuffer[], int, int)} wraps everything the connection queued: each
 * {@code SSLEngine.wrap} gathers across all the outbound segments into one record of up to 16 KiB of plaintext, so
 * a write of many small frames is one record, not one per frame. One {@link #read} unwraps every complete record
 * that one socket read brought in (reading again while the socket filled the buffer), and the consumed records are
 * skipped by an offset: the partial record left at the end is moved to the front once per socket read, not once
 * per record.
 *
 * <p><b>Buffers.</b> Encrypted input and output go through pooled 64 KiB buffers that hold several records, so
 * that one system call carries several records; plaintext is unwrapped straight into the codec's buffer, and
 * only a record that does not fit there goes through an intermediate buffer. The encrypted buffers are heap
 * buffers: the JDK decrypts and encrypts a record in place, and its AES-GCM allocates two 512-byte arrays per call
 * and copies through them when the buffer is direct; on an array it allocates none and runs faster (the socket
 * then copies through the JDK's cached per-thread direct buffer, which allocates nothing once warm). Every buffer is
 * taken from the loop's pool when needed and given back as soon as it is empty, so an idle TLS connection holds
 * none.
 *
 * <p><b>Allocation.</b> Nothing here allocates per record or per call: the engine's buffer arrays are fields. The
 * JDK's engine does allocate per call and per record (its {@code SSLEngineResult}, a one-element array in
 * {@code SSLEngineImpl.wrap} and {@code unwrap}, and the {@code Cipher.init} of every record's nonce:
 * {@code GCMParameterSpec}, IV copies, a new GCM engine object with its GHASH and counter state).
 *
 * <p><b>Closing.</b> An orderly close sends close_notify after the last frame and then shuts down output; a
 * close_notify from the peer reads as end of stream. A failure sends the engine's alert, best effort.
 *
 * <p>Loop thread only, apart from the delegated tasks.
 */
final class TlsWire implements ByteChannel, GatheringByteChannel {
    /** Runs delegated tasks; virtual threads, since the tasks are short and rare (handshakes only). */
    private static final Executor TASKS =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("netproto-tls-task-", 0).factory());
    /** Size of the encrypted-input and encrypted-output buffers: room for several full records. */
    static final int NET_BUFFER = BufferPool.SEGMENT_SIZE;
    /** TLS record header: type, version, length. */
    private static final int RECORD_HEADER = 5;
    // Outcomes of one unwrap other than plaintext produced.
    private static final int UNWRAP_NEED_INPUT = 0;
    private static final int UNWRAP_OVERFLOW = -1;
    private static final int UNWRAP_CLOSED = -2;
    private static final int UNWRAP_BLOCKED = -3;
    private static final int UNWRAP_NOTHING = -4;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();
    /** The one protocol whose post-handshake messages are not a renegotiation. */
    private static final String TLS13 = "TLSv1.3";

    /** A handshake started on a TLS 1.2 session whose handshake had finished; the message is the close reason. */
    static final class RenegotiationRefusedException extends SSLException {
        private static final long serialVersionUID = 1L;

        RenegotiationRefusedException(String protocol) {
            super("TLS renegotiation refused: the peer started a new handshake on an established " + protocol
                + " session");
        }
    }

    /** What the wire tells its connection. */
    interface Events {
        /** The handshake finished and was accepted; queued frames may now be written. */
        void tlsHandshakeDone();

        /** Encrypted output is waiting: flush at the end of this cycle (and ask for OP_WRITE if it stays). */
        void tlsOutputPending();

        /** Delegated tasks finished on another thread; called on the loop. */
        void tlsTasksDone();
    }

    private final SSLEngine engine;
    private final TlsEngineSource source;
    private final SocketChannel channel;
    private final BufferPool pool;
    private final EventLoop loop;
    private final Events events;
    private final Runnable tasksDone;

    private PooledBuffer netIn;
    /** Start of the bytes of {@link #netIn} not yet unwrapped; they end at its position. */
    private int netInStart;
    /** Whether the last socket read filled {@link #netIn}: the socket may hold more right now. */
    private boolean socketMayHaveMore;
    private PooledBuffer netOut;
    private PooledBuffer appIn;
    private boolean handshaking = true;
    private boolean begun;
    private long netWritten;
    /** Holds the buffer of a single-buffer write, so that it allocates no array. */
    private final ByteBuffer[] single = new ByteBuffer[1];
    /**
     * Holds the destination of an unwrap: {@code SSLEngine.unwrap(ByteBuffer, ByteBuffer)} would wrap it in a new
     * array on every call.
     */
    private final ByteBuffer[] unwrapDst = new ByteBuffer[1];
    private boolean tasksRunning;
    private boolean inboundDone;
    private boolean closeNotifyQueued;
    private int packetSize;

    TlsWire(SSLEngine engine, TlsEngineSource source, SocketChannel channel, EventLoop loop, Events events) {
        this.engine = engine;
        this.source = source;
        this.channel = channel;
        this.loop = loop;
        this.pool = loop.pool();
        this.events = events;
        this.tasksDone = events::tlsTasksDone;
        this.packetSize = engine.getSession().getPacketBufferSize();
    }

    /** Whether the handshake is still going on. */
    boolean isHandshaking() {
        return handshaking;
    }

    /** Whether delegated tasks are running; the connection does not read meanwhile. */
    boolean tasksRunning() {
        return tasksRunning;
    }

    /** Encrypted bytes written to the socket so far; tells the write-stall timer about progress. */
    long netWritten() {
        return netWritten;
    }

    /** Whether encrypted output is waiting for the socket. */
    boolean hasPendingOutput() {
        return netOut != null && netOut.buf.position() > 0;
    }

    /** Bytes of pooled memory this layer holds: its encrypted and decrypted buffers. Cold path. */
    long heldBytes() {
        return capacity(netIn) + capacity(netOut) + capacity(appIn);
    }

    private static long capacity(PooledBuffer b) {
        return b == null ? 0 : b.buf.capacity();
    }

    /**
     * Whether input is buffered that a read would yield without the socket becoming readable again: plaintext
     * already unwrapped, or a complete record not yet unwrapped. The selector cannot know about either.
     */
    boolean hasBufferedInput() {
        if (appIn != null && appIn.buf.hasRemaining()) {
            return true;
        }
        if (netIn == null || tasksRunning) {
            return false;
        }
        ByteBuffer b = netIn.buf;
        int have = b.position() - netInStart;
        return have >= RECORD_HEADER && have >= RECORD_HEADER + (b.getShort(netInStart + 3) & 0xFFFF);
    }

    /**
     * Whether part of a TLS record is held, waiting for the rest: the frame underneath cannot be seen yet, but the
     * peer has started sending it, and a peer that trickles a record must be timed like one that trickles a frame.
     */
    boolean hasPartialRecord() {
        return netInBuffered();
    }

    /** Whether encrypted input is held that has not been unwrapped. */
    private boolean netInBuffered() {
        return netIn != null && netIn.buf.position() > netInStart;
    }

    /** The engine's session: after the handshake, the negotiated parameters and the peer's certificates. */
    javax.net.ssl.SSLSession session() {
        return engine.getSession();
    }

    /** The negotiated protocol and cipher suite, for logs. */
    String describe() {
        return engine.getSession().getProtocol() + " " + engine.getSession().getCipherSuite();
    }

    // ---------------------------------------------------------------- reading

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (appIn != null) {
            int n = drainAppIn(dst);
            if (n > 0) {
                return n;
            }
        }
        if (handshaking) {
            drive();
            if (handshaking) {
                return inboundDone ? -1 : 0;
            }
            if (appIn != null) {
                int n = drainAppIn(dst);
                if (n > 0) {
                    return n;
                }
            }
        }
        if (inboundDone) {
            return -1;
        }
        int produced = 0;
        while (dst.hasRemaining()) {
            if (netInBuffered()) {
                int status = unwrap(dst);
                if (status == UNWRAP_OVERFLOW && produced == 0) {
                    // The engine wants room for a whole record in dst (it checks this before it checks that the
                    // record is complete): go through appIn, which has that room.
                    status = unwrapViaAppIn(dst);
                    if (status > 0 || status == UNWRAP_CLOSED && appIn == null) {
                        return status > 0 ? status : -1;
                    }
                }
                if (status > 0) {
                    produced += status;
                    continue;
                }
                if (status == UNWRAP_CLOSED) {
                    return produced > 0 ? produced : -1;
                }
                if (status == UNWRAP_OVERFLOW || status == UNWRAP_BLOCKED) {
                    return produced;
                }
                if (status == UNWRAP_NOTHING) {
                    continue;
                }
                // UNWRAP_NEED_INPUT: the next record is incomplete; read the socket.
            }
            if (produced > 0 && !socketMayHaveMore) {
                return produced;
            }
            int n = readSocket();
            if (n <= 0) {
                // At end of stream, what was produced is handed on first; the next read sees inboundDone.
                return produced > 0 ? produced : n;
            }
        }
        return produced;
    }

    /**
     * Unwraps one record from {@link #netIn} into {@code dst}.
     *
     * @return bytes produced (> 0), or one of the UNWRAP_ codes
     */
    private int unwrap(ByteBuffer dst) throws IOException {
        ByteBuffer in = netIn.buf;
        int end = in.position();
        in.limit(end).position(netInStart);
        unwrapDst[0] = dst;
        SSLEngineResult r;
        try {
            r = engine.unwrap(in, unwrapDst, 0, 1);
        } finally {
            unwrapDst[0] = null;
            netInStart = in.position();
            in.limit(in.capacity()).position(end);
        }
        releaseNetInIfEmpty();
        switch (r.getStatus()) {
            case OK -> {
                if (r.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
                    if (!handshaking) {
                        refuseRenegotiation();
                    }
                    // A post-handshake message (TLS 1.3 KeyUpdate, NewSessionTicket) may need an answer.
                    drive();
                    if (tasksRunning) {
                        return r.bytesProduced() > 0 ? r.bytesProduced() : UNWRAP_BLOCKED;
                    }
                }
                if (r.bytesProduced() > 0) {
                    return r.bytesProduced();
                }
                // A record with no plaintext (a handshake message, a ticket): go on while input is buffered.
                return netInBuffered() ? UNWRAP_NOTHING : UNWRAP_NEED_INPUT;
            }
            case BUFFER_OVERFLOW -> {
                return UNWRAP_OVERFLOW;
            }
            case BUFFER_UNDERFLOW -> {
                return UNWRAP_NEED_INPUT;
            }
            default -> {
                inboundDone = true;
                return UNWRAP_CLOSED;
            }
        }
    }

    /**
     * Unwraps the next record into {@link #appIn}, then copies what fits into {@code dst}.
     *
     * @return bytes copied (> 0), or the unwrap's code when nothing was produced
     */
    private int unwrapViaAppIn(ByteBuffer dst) throws IOException {
        ensureAppInForWriting();
        int status = unwrap(appIn.buf);
        appIn.buf.flip();
        if (!appIn.buf.hasRemaining()) {
            releaseAppIn();
            return status > 0 ? UNWRAP_NOTHING : status;
        }
        return drainAppIn(dst);
    }

    private void ensureAppInForWriting() {
        int need = engine.getSession().getApplicationBufferSize();
        if (appIn == null) {
            appIn = pool.acquire(need);
        } else {
            // Holds unread plaintext between position and limit: make room after it.
            appIn.buf.compact();
            if (appIn.buf.remaining() < need) {
                PooledBuffer bigger = pool.acquire(appIn.buf.position() + need);
                appIn.buf.flip();
                bigger.buf.put(appIn.buf);
                pool.release(appIn);
                appIn = bigger;
            }
        }
    }

    /** Copies buffered plaintext (between position and limit of {@link #appIn}) into {@code dst}. */
    private int drainAppIn(ByteBuffer dst) {
        ByteBuffer src = appIn.buf;
        int n = Math.min(src.remaining(), dst.remaining());
        if (n > 0) {
            int limit = src.limit();
            src.limit(src.position() + n);
            dst.put(src);
            src.limit(limit);
        }
        if (!src.hasRemaining()) {
            releaseAppIn();
        }
        return n;
    }

    /** Reads encrypted bytes from the socket into {@link #netIn}; -1 at end of stream. */
    private int readSocket() throws IOException {
        if (netIn == null) {
            netIn = pool.acquireHeap(NET_BUFFER);
        } else {
            ByteBuffer in = netIn.buf;
            if (netInStart > 0) {
                // Records before netInStart are consumed: move the partial one left after them to the front.
                in.limit(in.position()).position(netInStart);
                in.compact();
                netInStart = 0;
            }
            if (!in.hasRemaining()) {
                PooledBuffer bigger = pool.acquireHeap(in.capacity() * 2);
                in.flip();
                bigger.buf.put(in);
                pool.release(netIn);
                netIn = bigger;
            }
        }
        int room = netIn.buf.remaining();
        int n = channel.read(netIn.buf);
        socketMayHaveMore = n == room;
        if (n < 0) {
            endOfStream();
        }
        releaseNetInIfEmpty();
        return n;
    }

    private void endOfStream() {
        inboundDone = true;
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // The peer closed without close_notify. Frames are self-delimiting, so a cut frame is still detected
            // by the codec (TRUNCATED_FRAME); nothing else can be lost.
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public int write(ByteBuffer src) throws IOException {
        single[0] = src;
        try {
            return (int) write(single, 0, 1);
        } finally {
            single[0] = null;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * Encrypts as much plaintext as the socket takes; returns the plaintext bytes consumed. Encrypted bytes the
     * socket did not take stay in {@link #netOut} ({@link #hasPendingOutput()}).
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (!flushNet()) {
            return 0;
        }
        if (handshaking) {
            drive();
            if (handshaking || !flushNet()) {
                return 0;
            }
        }
        long consumed = 0;
        while (true) {
            if (netOut == null) {
                netOut = pool.acquireHeap(NET_BUFFER);
            }
            ByteBuffer out = netOut.buf;
            boolean more = true;
            while (out.remaining() >= packetSize) {
                SSLEngineResult r = engine.wrap(srcs, offset, length, out);
                consumed += r.bytesConsumed();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new IOException("TLS engine closed for writing");
                }
                if (r.bytesConsumed() == 0 || !anyRemaining(srcs, offset, length)) {
                    more = false;
                    break;
                }
            }
            if (!flushNet() || !more) {
                return consumed;
            }
        }
    }

    private static boolean anyRemaining(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes pending encrypted output, for when there is no plaintext to add.
     *
     * @return whether all of it went
     */
    boolean flushOutput() throws IOException {
        return flushNet();
    }

    /** Writes pending encrypted output; returns whether all of it went. */
    private boolean flushNet() throws IOException {
        if (netOut == null) {
            return true;
        }
        ByteBuffer out = netOut.buf;
        if (out.position() > 0) {
            out.flip();
            try {
                netWritten += channel.write(out);
            } finally {
                out.compact();
            }
        }
        if (out.position() == 0) {
            pool.release(netOut);
            netOut = null;
            return true;
        }
        return false;
    }

    /**
     * Queues close_notify after everything written so far and tries to send it.
     *
     * @return whether it has been written entirely (output may then be shut down)
     */
    boolean closeOutbound() throws IOException {
        if (!closeNotifyQueued) {
            closeNotifyQueued = true;
            engine.closeOutbound();
            wrapControl();
        }
        return flushNet();
    }

    /**
     * Sends what the engine still has to say (close_notify, or the alert of a failed handshake) with one
     * non-blocking write, and gives back every buffer. Called when the connection closes; never throws.
     */
    void release() {
        try {
            if (!closeNotifyQueued) {
                closeNotifyQueued = true;
                engine.closeOutbound();
                wrapControl();
            }
            flushNet();
        } catch (IOException | RuntimeException e) {
            // Best effort: the socket closes next either way.
        }
        if (netOut != null) {
            pool.release(netOut);
            netOut = null;
        }
        if (netIn != null) {
            pool.release(netIn);
            netIn = null;
            netInStart = 0;
        }
        releaseAppIn();
    }

    /** Wraps the engine's own records (alerts, close_notify) into {@link #netOut}. */
    private void wrapControl() throws SSLException {
        if (netOut == null) {
            netOut = pool.acquireHeap(NET_BUFFER);
        }
        ByteBuffer out = netOut.buf;
        while (out.remaining() >= packetSize) {
            SSLEngineResult r = engine.wrap(EMPTY, out);
            if (r.bytesProduced() == 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                break;
            }
        }
    }

    // ---------------------------------------------------------------- handshake

    /**
     * Advances the handshake as far as the socket and the delegated tasks allow, without blocking.
     *
     * @throws SSLException if the handshake fails, or the finished handshake is refused by the source
     */
    private void drive() throws IOException {
        if (!begun) {
            // Until this, an engine reports NOT_HANDSHAKING, which would read as a finished handshake.
            begun = true;
            engine.beginHandshake();
        }
        while (!tasksRunning) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_TASK -> {
                    startTasks();
                    return;
                }
                case NEED_WRAP -> {
                    if (netOut == null) {
                        netOut = pool.acquireHeap(NET_BUFFER);
                    }
                    if (netOut.buf.remaining() < packetSize && !flushNet()) {
                        events.tlsOutputPending();
                        return;
                    }
                    if (netOut == null) {
                        netOut = pool.acquireHeap(NET_BUFFER);
                    }
                    SSLEngineResult r = engine.wrap(EMPTY, netOut.buf);
                    if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                        flushPending();
                        finished();
                        return;
                    }
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        flushPending();
                        throw new SSLException("the TLS engine closed during the handshake");
                    }
                    if (engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                        flushPending();
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!handshakeUnwrap()) {
                        return;
                    }
                }
                default -> {
                    // FINISHED or NOT_HANDSHAKING: the last step was an unwrap.
                    if (handshaking) {
                        finished();
                    }
                    return;
                }
            }
        }
    }

    /** One unwrap during the handshake; returns false when it must wait for the socket. */
    private boolean handshakeUnwrap() throws IOException {
        if (!netInBuffered()) {
            if (inboundDone) {
                throw new SSLException("the peer closed the connection during the TLS handshake");
            }
            int n = handshakeRead();
            if (n == 0) {
                return false;
            }
        }
        // Application data can follow the handshake in the same read; it is kept in appIn.
        ensureAppInForWriting();
        int status = unwrap(appIn.buf);
        appIn.buf.flip();
        if (!appIn.buf.hasRemaining()) {
            releaseAppIn();
        }
        if (status == UNWRAP_CLOSED) {
            throw new SSLException("the peer closed the TLS session during the handshake");
        }
        if (status == UNWRAP_NEED_INPUT) {
            return handshakeRead() > 0;
        }
        return true;
    }

    /**
     * Reads the socket during the handshake. A peer that closes then is a failed handshake, whether the close
     * arrives as end of stream or as a reset: which one depends only on whether our ClientHello had reached the
     * peer's socket when it closed (unread data turns the close into a reset), a race that must not decide the
     * error code.
     */
    private int handshakeRead() throws IOException {
        int n;
        try {
            n = readSocket();
        } catch (SSLException e) {
            throw e;
        } catch (IOException e) {
            throw new SSLException("the peer closed the connection during the TLS handshake (" + e.getMessage()
                + ")", e);
        }
        if (n < 0) {
            throw new SSLException("the peer closed the connection during the TLS handshake");
        }
        return n;
    }

    /** After the first handshake only TLS 1.3 may have handshake messages; under 1.2 they start a new one. */
    private void refuseRenegotiation() throws SSLException {
        String protocol = engine.getSession().getProtocol();
        if (!TLS13.equals(protocol)) {
            throw new RenegotiationRefusedException(protocol);
        }
    }

    private void flushPending() throws IOException {
        if (!flushNet()) {
            events.tlsOutputPending();
        }
    }

    private void finished() throws SSLException {
        handshaking = false;
        packetSize = engine.getSession().getPacketBufferSize();
        try {
            source.checkApplicationProtocol(engine);
        } catch (RuntimeException e) {
            throw new SSLException(e.getMessage(), e);
        }
        events.tlsHandshakeDone();
    }

    private void startTasks() {
        tasksRunning = true;
        try {
            TASKS.execute(this::runTasks);
        } catch (RejectedExecutionException e) {
            tasksRunning = false;
            runTasks();
        }
    }

    /** On a task thread: runs the engine's delegated tasks, then resumes the handshake on the loop. */
    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        try {
            loop.execute(tasksDone);
        } catch (RuntimeException e) {
            // The loop is shutting down and closes the connection itself.
        }
    }

    /** Called on the loop once the delegated tasks have run. */
    void onTasksDone() {
        tasksRunning = false;
    }

    // ---------------------------------------------------------------- buffers

    private void releaseNetInIfEmpty() {
        if (netIn != null && netIn.buf.position() == netInStart) {
            pool.release(netIn);
            netIn = null;
            netInStart = 0;
        }
    }

    private void releaseAppIn() {
        if (appIn != null) {
            pool.release(appIn);
            appIn = null;
        }
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
