package dev.netproto.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Encodes the few frames the raw benchmark client needs, straight from docs/PROTOCOL.md. */
final class RawFrames {
    private static final short MAGIC = 0x4E50;

    private RawFrames() {
    }

    /** Sends HELLO (versions [1], max 16 MiB, security none) and reads the server's HELLO. */
    static void hello(SocketChannel channel) throws IOException {
        byte[] payload = {
            0, 1, 0, 1, 1,
            0, 2, 0, 4, 1, 0, 0, 0,
            0, 3, 0, 5, 4, 'n', 'o', 'n', 'e'};
        ByteBuffer out = ByteBuffer.allocate(16 + payload.length);
        header(out, 1, 0, payload.length);
        out.put(payload).flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteBuffer header = ByteBuffer.allocate(16);
        readFully(channel, header);
        if (header.get(3) != 1) {
            throw new IOException("expected HELLO, got frame type " + header.get(3));
        }
        readFully(channel, ByteBuffer.allocate(header.getInt(12)));
    }

    /** Appends a REQUEST with a zero-filled body of {@code size} bytes. */
    static void request(ByteBuffer out, int requestId, String route, int size) {
        byte[] name = route.getBytes(StandardCharsets.UTF_8);
        header(out, 4, requestId, 1 + name.length + size);
        out.put((byte) name.length).put(name).put(new byte[size]);
    }

    private static void header(ByteBuffer out, int type, int requestId, int length) {
        out.putShort(MAGIC).put((byte) 1).put((byte) type).putInt(0).putInt(requestId).putInt(length);
    }

    private static void readFully(SocketChannel channel, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("server closed the connection during HELLO");
            }
        }
    }
}
