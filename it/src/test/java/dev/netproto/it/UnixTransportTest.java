package dev.netproto.it;

import dev.netproto.testkit.RequiresProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.NetprotoException;
import dev.netproto.api.Server;
import dev.netproto.api.TransportOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared transport suite over a Unix domain socket, plus the socket file's lifecycle and a socat peer. */
class UnixTransportTest extends AbstractTransportTest {
    @TempDir
    static Path dir;
    private static int counter;
    private Path socket;

    @Override
    protected String listenUri() {
        socket = dir.resolve("np-" + (++counter) + ".sock");
        return "unix://" + socket;
    }

    @Override
    protected SocketChannel rawConnect() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    @Test
    void shouldCreateTheSocketFileWithOwnerAndGroupAccessAndRemoveItOnClose() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        server.close(Duration.ofSeconds(2));
        assertFalse(Files.exists(socket), "removed on close");
    }

    @Test
    void shouldApplyConfiguredPermissions() throws Exception {
        Path own = dir.resolve("own.sock");
        try (Server s = Server.builder().listen("unix://" + own)
                .transport(new TransportOptions(true, 0, 0, 0, true, "rw-------"))
                .route("echo", (m, r) -> r.send(m.body())).start()) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)));
            assertEquals("unix://" + own, s.endpoints().get(0).toString());
        }
    }

    @Test
    void shouldReplaceAStaleSocketFileAndRefuseALiveOne() throws Exception {
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(stale));
        dead.close();
        assertTrue(Files.exists(stale), "closing a channel leaves its socket file, as a crashed process would");
        try (Server s = Server.builder().listen("unix://" + stale).route("echo", (m, r) -> r.send(m.body()))
                .start()) {
            NetprotoException e = assertThrows(NetprotoException.class, () -> Server.builder()
                .listen("unix://" + stale).route("echo", (m, r) -> r.send(m.body())).start());
            assertTrue(e.getMessage().contains("a live server is listening on this socket"), e.getMessage());
            assertTrue(Files.exists(stale), "the live server keeps its socket");
            assertEquals("unix://" + stale, s.endpoints().get(0).toString());
        }
        Path regular = Files.writeString(dir.resolve("not-a-socket"), "data");
        NetprotoException e = assertThrows(NetprotoException.class, () -> Server.builder()
            .listen("unix://" + regular).route("echo", (m, r) -> r.send(m.body())).start());
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        assertEquals("data", Files.readString(regular), "a regular file is never replaced");
    }

    @Test
    @RequiresProgram("socat")
    void shouldExchangeAFrameWithSocat() throws Exception {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.writeBytes(RawPeer.frame(RawPeer.HELLO, 0, RawPeer.helloPayload(1 << 20, "none")));
        frames.writeBytes(RawPeer.frame(RawPeer.REQUEST, 42, RawPeer.requestPayload("echo", "via socat".getBytes())));
        frames.writeBytes(RawPeer.frame(RawPeer.CLOSE, 0, new byte[] {0, 0}));
        Process socat = new ProcessBuilder("socat", "-t", "5", "-", "UNIX-CONNECT:" + socket)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = socat.getOutputStream()) {
            in.write(frames.toByteArray());
        }
        byte[] reply;
        try (InputStream out = socat.getInputStream()) {
            reply = out.readAllBytes();
        }
        assertTrue(socat.waitFor(20, TimeUnit.SECONDS), "socat ends once the server closes");
        ByteBuffer b = ByteBuffer.wrap(reply);
        assertEquals(RawPeer.HELLO, b.get(3), "server HELLO first");
        b.position(16 + b.getInt(12));
        assertEquals(RawPeer.RESPONSE, b.get(b.position() + 3));
        assertEquals(42, b.getInt(b.position() + 8));
        byte[] body = new byte[b.getInt(b.position() + 12)];
        b.get(b.position() + 16, body);
        assertEquals("via socat", new String(body));
        Conditions.await("the connection closed with nothing left queued", Duration.ofSeconds(10),
            () -> server.metrics().read(dev.netproto.api.spi.Metric.CONNECTIONS_ACTIVE) == 0);
        assertEquals(0, server.metrics().read(dev.netproto.api.spi.Metric.OUTBOUND_BYTES),
            "what was written before closing is counted as sent");
    }
}
