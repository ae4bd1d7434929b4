package dev.netproto.core;

import dev.netproto.api.Endpoint;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.OverloadedException;
import dev.netproto.api.TransportOptions;
import dev.netproto.api.spi.TransportProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts connections on one listening channel, on the group's first loop, and hands each to the next loop of the
 * group. Loop thread only, except construction.
 */
final class Acceptor implements EventLoop.Selectable, AutoCloseable {
    /** Accepts per readiness event, so that a connection storm does not starve the loop's own connections. */
    static final int MAX_ACCEPTS_PER_EVENT = 64;
    /**
     * How long accepting pauses after {@code accept()} failed. The usual cause is running out of file descriptors
     * (EMFILE, ENFILE); the waiting connection stays in the backlog and the channel stays ready, so retrying at once
     * would fail the same way on every select and spin the loop that also serves connections.
     */
    static final long ACCEPT_BACKOFF_NS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

    private final ServerSocketChannel server;
    private final Endpoint endpoint;
    private final TransportProvider transport;
    private final TransportOptions options;
    private final EventLoopGroup group;
    private final Settings settings;
    private SelectionKey key;
    private EventLoop loop;
    private boolean paused;

    Acceptor(ServerSocketChannel server, Endpoint endpoint, TransportProvider transport, TransportOptions options,
             EventLoopGroup group, Settings settings) {
        this.server = server;
        this.endpoint = endpoint;
        this.transport = transport;
        this.options = options;
        this.group = group;
        this.settings = settings;
    }

    void register(EventLoop loop) throws IOException {
        this.loop = loop;
        key = loop.register(server, SelectionKey.OP_ACCEPT, this);
        loop.closeOnShutdown(this);
    }

    @Override
    public void onSelected(SelectionKey k) throws IOException {
        for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
            SocketChannel channel = server.accept();
            if (channel == null) {
                return;
            }
            hand(channel);
        }
    }

    private void hand(SocketChannel channel) {
        // The address object itself, which the channel keeps anyway: the connection prints it only when it logs.
        Object peer;
        java.net.SocketAddress remote;
        try {
            channel.configureBlocking(false);
            transport.configureAccepted(channel, options);
            remote = channel.getRemoteAddress();
            // A Unix socket peer is unnamed; say which socket it came in on instead.
            peer = remote instanceof java.net.UnixDomainSocketAddress unix && unix.getPath().toString().isEmpty()
                ? "local peer on " + endpoint : remote;
        } catch (IOException e) {
            LOG.debug("{}: accepted connection failed before use: {}", endpoint, e.toString());
            closeQuietly(channel);
            return;
        }
        SourceLimits.Decision admission = settings.sourceLimits().admit(
            remote instanceof InetSocketAddress inet ? inet.getAddress() : null, settings.clock().nanoTime());
        if (admission.refusal() != null) {
            refuse(channel, peer, admission.refusal());
            return;
        }
        SSLEngine engine = null;
        if (transport.usesTls()) {
            try {
                engine = remote instanceof InetSocketAddress inet
                    ? settings.security().tlsEngines().newEngine(inet.getHostString(), inet.getPort())
                    : settings.security().tlsEngines().newEngine(null, -1);
            } catch (RuntimeException e) {
                LOG.warn("{}: refused connection from {}: cannot create a TLS engine: {}", endpoint, peer,
                    e.toString());
                release(admission);
                closeQuietly(channel);
                return;
            }
        }
        EventLoop loop = group.next();
        // Counted here, on the accepting thread, so that the limit holds across loops; the connection gives its
        // place back when it closes.
        boolean overLimit = settings.openConnections().incrementAndGet() > settings.maxConnections();
        Connection connection = new Connection(loop, channel, null, settings, peer, endpoint.scheme(), engine);
        try {
            loop.execute(() -> connection.startAccepted(overLimit, admission.source()));
        } catch (OverloadedException e) {
            settings.openConnections().decrementAndGet();
            release(admission);
            LOG.warn("{}: refused connection from {}: {}", endpoint, peer, e.getMessage());
            closeQuietly(channel);
        }
    }

    /**
     * Refuses a connection for its source, before reading anything: CLOSE {@code TOO_MANY_CONNECTIONS} with the
     * reason where the transport lets plaintext be written first (not over TLS, whose handshake would have to run
     * first: the point is to spend nothing on it), then close. The peer's HELLO, if it arrives, is never read: the
     * kernel answers it with a reset, but the CLOSE already received stays readable to the peer.
     */
    private void refuse(SocketChannel channel, Object peer, String reason) {
        loop.counters().increment(LoopCounters.CONNECTIONS_REFUSED);
        loop.counters().error(ErrorCode.TOO_MANY_CONNECTIONS);
        settings.errorLog().report(ErrorCode.TOO_MANY_CONNECTIONS, peer, reason, loop::schedule);
        if (!transport.usesTls()) {
            try {
                // A fresh socket's send buffer is empty, so a frame of a few hundred bytes goes out whole.
                channel.write(closeFrame(reason));
            } catch (IOException e) {
                LOG.debug("{}: could not tell {} it was refused: {}", endpoint, peer, e.toString());
            }
        }
        closeQuietly(channel);
    }

    private static java.nio.ByteBuffer closeFrame(String reason) {
        byte[] text = Texts.utf8(reason, FrameDescriptor.MAX_TEXT_LENGTH);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + 2 + text.length);
        FrameCodec.writeHeader(b, 0, FrameDescriptor.TYPE_CLOSE, 0, 0, 2 + text.length);
        b.putShort(FrameCodec.HEADER_LENGTH, (short) ErrorCode.TOO_MANY_CONNECTIONS.code());
        b.put(FrameCodec.HEADER_LENGTH + 2, text);
        return b;
    }

    private static void release(SourceLimits.Decision admission) {
        if (admission.source() != null) {
            admission.source().release();
        }
    }

    @Override
    public void onFailure(Throwable failure) {
        // accept() failing (for example EMFILE, too many open files) must not kill the listener, nor spin: stop
        // asking for OP_ACCEPT for a while, then try again. One WARN per pause, not one per select.
        if (paused) {
            return;
        }
        LOG.warn("{}: accept failed: {}; pausing accepts for {} ms", endpoint, failure.toString(),
            java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NS));
        if (key == null || !key.isValid() || loop == null) {
            return;
        }
        paused = true;
        key.interestOps(0);
        loop.schedule(ACCEPT_BACKOFF_NS, this::resume);
    }

    private void resume() {
        paused = false;
        if (key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public void close() throws IOException {
        if (key != null) {
            key.cancel();
        }
        try {
            server.close();
        } finally {
            transport.unbound(endpoint);
        }
    }

    @Override
    public String toString() {
        return "acceptor " + endpoint;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignore) {
            // Nothing more to do for a channel that was never used.
        }
    }
}
