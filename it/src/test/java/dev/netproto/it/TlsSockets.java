package dev.netproto.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** Blocking TLS sockets for tests that write raw frames over TLS, seen as a {@link ByteChannel}. */
final class TlsSockets {
    private TlsSockets() {
    }

    /**
     * Connects and completes the handshake.
     *
     * @param alpn whether to offer {@code netproto/1}
     */
    static ByteChannel open(SSLContext context, String host, int port, boolean alpn) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port);
        SSLParameters parameters = socket.getSSLParameters();
        if (alpn) {
            parameters.setApplicationProtocols(new String[] {"netproto/1"});
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        return new ByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                byte[] b = new byte[dst.remaining()];
                int n = in.read(b);
                if (n > 0) {
                    dst.put(b, 0, n);
                }
                return n;
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                byte[] b = new byte[src.remaining()];
                src.get(b);
                out.write(b);
                out.flush();
                return b.length;
            }

            @Override
            public boolean isOpen() {
                return !socket.isClosed();
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        };
    }
}
