package dev.netproto.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A man in the middle on loopback for tests: relays one connection at a time between a client and a server, and
 * hands every frame the client sends (split by the 16-byte header's length field) to a {@link Tamper}, which may
 * pass, change, drop, hold back or repeat it. The server's direction is relayed untouched. Every frame the client
 * sent is also recorded as it arrived, so that a test can replay it elsewhere.
 */
final class TamperProxy implements AutoCloseable {
    /** Decides what happens to the client's frame number {@code index} (0 = its HELLO). */
    interface Tamper {
        /**
         * Returns the frames to forward in its place (none to drop it).
         *
         * @param index the frame's position in the client's stream
         * @param frame header and payload as the client sent them
         */
        List<byte[]> apply(int index, byte[] frame);
    }

    /** Forwards every frame unchanged. */
    static final Tamper PASS = (index, frame) -> List.of(frame);

    private final ServerSocket listener;
    private final int targetPort;
    private final Tamper tamper;
    private final List<byte[]> recorded = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final int clearFrames;

    TamperProxy(int targetPort, Tamper tamper) throws IOException {
        this(targetPort, tamper, Integer.MAX_VALUE);
    }

    /**
     * A proxy that splits the client's stream into its first {@code clearFrames} frames, then into sealed records
     * (3-byte header: flags, body length), as a Noise client's stream is after its handshake.
     */
    TamperProxy(int targetPort, Tamper tamper, int clearFrames) throws IOException {
        this.clearFrames = clearFrames;
        this.listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.tamper = tamper;
        this.acceptor = Thread.ofPlatform().daemon().name("tamper-proxy").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The client's frames as they arrived, before tampering. */
    List<byte[]> recorded() {
        return recorded;
    }

    private void acceptLoop() {
        try {
            while (!listener.isClosed()) {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                Thread.ofPlatform().daemon().name("tamper-up").start(() -> frames(client, server));
                Thread.ofPlatform().daemon().name("tamper-down")
                    .start(() -> ChunkingRelay.relay(server, client, 65536));
            }
        } catch (IOException e) {
            // Closed.
        }
    }

    private void frames(Socket from, Socket to) {
        try (from; to) {
            DataInputStream in = new DataInputStream(from.getInputStream());
            OutputStream out = to.getOutputStream();
            List<byte[]> held = new ArrayList<>();
            for (int index = 0; ; index++) {
                boolean record = index >= clearFrames;
                int headerLength = record ? 3 : 16;
                byte[] header = new byte[headerLength];
                in.readFully(header);
                int length = record ? ((header[1] & 0xFF) << 8) | (header[2] & 0xFF)
                    : ByteBuffer.wrap(header).getInt(12);
                byte[] frame = new byte[headerLength + length];
                System.arraycopy(header, 0, frame, 0, headerLength);
                in.readFully(frame, headerLength, length);
                recorded.add(frame.clone());
                held.clear();
                held.addAll(tamper.apply(index, frame));
                for (byte[] f : held) {
                    out.write(f);
                }
                out.flush();
            }
        } catch (IOException e) {
            // One side closed: the other is closed by try-with-resources.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
