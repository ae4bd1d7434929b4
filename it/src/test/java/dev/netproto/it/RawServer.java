package dev.netproto.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A hand-driven server on blocking sockets: it answers HELLO as docs/PROTOCOL.md says and then does only what the
 * test tells it, so that a client can be shown a server that stops answering or stops reading.
 */
final class RawServer implements AutoCloseable {
    private final ServerSocket listener;
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;

    RawServer(int receiveBufferSize) throws IOException {
        listener = new ServerSocket();
        if (receiveBufferSize > 0) {
            listener.setReceiveBufferSize(receiveBufferSize);
        }
        listener.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    }

    String uri() {
        return "tcp://127.0.0.1:" + listener.getLocalPort();
    }

    /** Accepts one connection and reads its HELLO without answering. */
    RawPeer.Frame acceptAndReadHello() throws IOException {
        socket = listener.accept();
        socket.setSoTimeout(30_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        return read();
    }

    /** Accepts one connection and completes HELLO. */
    void acceptAndHello() throws IOException {
        RawPeer.Frame hello = acceptAndReadHello();
        if (hello.type() != RawPeer.HELLO) {
            throw new IOException("expected HELLO, got " + hello);
        }
        out.write(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(16 * 1024 * 1024, "none")));
        out.flush();
    }

    /** Bounds how long the next accepts wait for a client, so that a client that never comes fails the test. */
    void acceptTimeout(Duration timeout) throws IOException {
        listener.setSoTimeout(Math.toIntExact(timeout.toMillis()));
    }

    /** Closes the accepted connection without CLOSE, as a server that goes away does; the listener stays open. */
    void dropConnection() throws IOException {
        socket.close();
    }

    /** Writes bytes (whole frames, or any bytes at all) to the accepted connection. */
    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    RawPeer.Frame read() throws IOException {
        byte[] header = new byte[16];
        in.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header);
        byte[] payload = new byte[h.getInt(12)];
        in.readFully(payload);
        return new RawPeer.Frame(h.get(3), h.getInt(8), payload);
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
        listener.close();
    }
}
