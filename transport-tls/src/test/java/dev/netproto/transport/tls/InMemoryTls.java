package dev.netproto.transport.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Drives a client and a server {@link SSLEngine} against each other through two in-memory buffers, running
 * delegated tasks inline: a TLS peer without sockets. An exception thrown by either engine propagates.
 */
final class InMemoryTls {
    private static final int BUFFER_SIZE = 1 << 17;
    private static final int MAX_ROUNDS = 100;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine client;
    private final SSLEngine server;
    private final ByteBuffer clientToServer = ByteBuffer.allocate(BUFFER_SIZE);
    private final ByteBuffer serverToClient = ByteBuffer.allocate(BUFFER_SIZE);
    private final ByteBuffer clientIn = ByteBuffer.allocate(BUFFER_SIZE);
    private final ByteBuffer serverIn = ByteBuffer.allocate(BUFFER_SIZE);

    InMemoryTls(SSLEngine client, SSLEngine server) {
        this.client = client;
        this.server = server;
    }

    /**
     * Runs the handshake until both engines are done and nothing is left in flight (TLS 1.3 session tickets
     * arrive after the client has finished).
     */
    InMemoryTls handshake() throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            step(client, serverToClient, clientToServer, clientIn);
            step(server, clientToServer, serverToClient, serverIn);
            if (idle(client) && idle(server) && clientToServer.position() == 0 && serverToClient.position() == 0) {
                return this;
            }
        }
        throw new AssertionError("handshake did not finish in " + MAX_ROUNDS + " rounds: client "
            + client.getHandshakeStatus() + ", server " + server.getHandshakeStatus());
    }

    /** Sends text from the client to the server and returns what the server decrypted. */
    String clientToServer(String text) throws SSLException {
        SSLEngineResult wrapped = client.wrap(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), clientToServer);
        if (wrapped.getStatus() != SSLEngineResult.Status.OK) {
            throw new AssertionError("wrap: " + wrapped);
        }
        serverIn.clear();
        step(server, clientToServer, serverToClient, serverIn);
        serverIn.flip();
        return StandardCharsets.UTF_8.decode(serverIn).toString();
    }

    private static boolean idle(SSLEngine engine) {
        return engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer app) throws SSLException {
        in.flip();
        try {
            while (in.hasRemaining()) {
                SSLEngineResult result = engine.unwrap(in, app);
                runTasks(engine);
                if (result.getStatus() != SSLEngineResult.Status.OK
                    || result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                    break;
                }
            }
        } finally {
            in.compact();
        }
        runTasks(engine);
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            SSLEngineResult result = engine.wrap(EMPTY, out);
            runTasks(engine);
            if (result.getStatus() != SSLEngineResult.Status.OK) {
                break;
            }
        }
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }
}
