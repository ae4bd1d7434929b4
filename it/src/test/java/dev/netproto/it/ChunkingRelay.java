package dev.netproto.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A relay on loopback that passes the client's bytes to the server in small pieces, each written and flushed on its
 * own, so that the server sees records and frames cut at arbitrary points; the server's bytes go back untouched.
 */
final class ChunkingRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    ChunkingRelay(int targetPort, int chunk) throws IOException {
        listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("chunking-relay").start(() -> {
            try {
                while (!listener.isClosed()) {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    client.setTcpNoDelay(true);
                    server.setTcpNoDelay(true);
                    sockets.add(client);
                    sockets.add(server);
                    Thread.ofPlatform().daemon().start(() -> relay(client, server, chunk));
                    Thread.ofPlatform().daemon().start(() -> relay(server, client, 65536));
                }
            } catch (IOException e) {
                // Closed.
            }
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Copies {@code from} to {@code to} in writes of at most {@code chunk} bytes until either side closes. */
    static void relay(Socket from, Socket to, int chunk) {
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[chunk];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // One side closed.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
