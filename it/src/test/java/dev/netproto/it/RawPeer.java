package dev.netproto.it;

import dev.netproto.api.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A hand-driven peer on a blocking socket that writes frames byte by byte as docs/PROTOCOL.md specifies them,
 * independent of the core's codec, so that tests can send what a correct implementation never would.
 */
final class RawPeer implements AutoCloseable {
    static final int MAGIC = 0x4E50;
    static final int HELLO = 1;
    static final int MESSAGE = 3;
    static final int REQUEST = 4;
    static final int RESPONSE = 5;
    static final int ERROR = 6;
    static final int PING = 7;
    static final int PONG = 8;
    static final int GOAWAY = 9;
    static final int CLOSE = 10;
    /** Header flag: the body is compressed. */
    static final int COMPRESSED = 0x01;

    /** A frame read back from the other side; {@code flags} as in its header. */
    record Frame(int type, int requestId, byte[] payload, int flags) {
        Frame(int type, int requestId, byte[] payload) {
            this(type, requestId, payload, 0);
        }

        int code() {
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        String text() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawPeer(Endpoint endpoint) throws IOException {
        this(endpoint, null);
    }

    /** Connects from {@code local} (such as 127.0.0.2, another source on loopback), or any address for null. */
    RawPeer(Endpoint endpoint, InetAddress local) throws IOException {
        socket = new Socket();
        if (local != null) {
            socket.bind(new InetSocketAddress(local, 0));
        }
        socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 10_000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    static byte[] frame(int magic, int version, int type, int flags, int requestId, int declaredLength,
                        byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length);
        b.putShort((short) magic).put((byte) version).put((byte) type).put((byte) flags).put((byte) 0)
            .putShort((short) 0).putInt(requestId).putInt(declaredLength).put(payload);
        return b.array();
    }

    static byte[] frame(int type, int requestId, byte[] payload) {
        return frame(MAGIC, 1, type, 0, requestId, payload.length, payload);
    }

    static byte[] helloPayload(int maxFrameLength, String... security) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        option(o, 1, new byte[] {1});
        option(o, 2, ByteBuffer.allocate(4).putInt(maxFrameLength).array());
        option(o, 3, names(security));
        return o.toByteArray();
    }

    /** HELLO offering security {@code none} and the given compression algorithms. */
    static byte[] helloWithCompression(String... compression) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(helloPayload(16 * 1024 * 1024, "none"));
        option(o, 4, names(compression));
        return o.toByteArray();
    }

    static byte[] names(String... names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : names) {
            out.write(s.length());
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** One HELLO option, {@code key:u16 length:u16 value}, for HELLOs built piece by piece. */
    static byte[] option(int key, byte[] value) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        option(o, key, value);
        return o.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            o.writeBytes(part);
        }
        return o.toByteArray();
    }

    static byte[] u32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    static void option(ByteArrayOutputStream o, int key, byte[] value) {
        o.write(key >> 8);
        o.write(key);
        o.write(value.length >> 8);
        o.write(value.length);
        o.writeBytes(value);
    }

    static byte[] requestPayload(String route, byte[] body) {
        byte[] r = route.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + r.length + body.length);
        return b.put((byte) r.length).put(r).put(body).array();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes part of an array; big frames go in parts, so that the JDK's temporary direct buffer stays small. */
    void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        out.flush();
    }

    /** Sends HELLO and reads the server's HELLO. */
    Frame handshake() throws IOException {
        write(frame(HELLO, 0, helloPayload(16 * 1024 * 1024, "none")));
        Frame answer = read();
        if (answer == null || answer.type() != HELLO) {
            throw new IOException("expected HELLO, got " + answer);
        }
        return answer;
    }

    /** Reads one frame; null at end of stream. */
    Frame read() throws IOException {
        byte[] header = new byte[16];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            return null;
        }
        ByteBuffer h = ByteBuffer.wrap(header);
        if ((h.getShort(0) & 0xFFFF) != MAGIC) {
            throw new IOException("server sent bad magic");
        }
        byte[] payload = new byte[h.getInt(12)];
        in.readFully(payload);
        return new Frame(h.get(3), h.getInt(8), payload, h.get(4) & 0xFF);
    }

    /** Reads frames until CLOSE; fails if the stream ends first. */
    Frame readClose() throws IOException {
        for (Frame f = read(); f != null; f = read()) {
            if (f.type() == CLOSE) {
                return f;
            }
        }
        throw new EOFException("stream ended without CLOSE");
    }

    /** Whether the server closed the connection: end of stream (or reset) after any remaining frames. */
    boolean closedByServer() throws IOException {
        try {
            while (read() != null) {
                // Frames queued before the close are skipped.
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    /**
     * Writes a frame up to {@code count} times from a daemon thread, stopping at the first failure (the socket
     * closed); the thread blocks while the peer does not read.
     */
    static Thread writeInBackground(RawPeer peer, byte[] frame, int count) {
        return Thread.ofPlatform().daemon().name("raw-writer").start(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    peer.write(frame);
                }
            } catch (IOException expected) {
                // The test closed the socket, or the server did.
            }
        });
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
