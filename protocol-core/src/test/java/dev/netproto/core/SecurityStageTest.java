package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.TYPE_HANDSHAKE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import dev.netproto.api.spi.SecuritySession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SecurityStageTest {
    private static final byte[] CLIENT_HELLO = {1, 1};
    private static final byte[] SERVER_HELLO = {2, 2};
    private static final PeerIdentity PEER = new PeerIdentity() {
        @Override
        public String mechanism() {
            return "toy";
        }

        @Override
        public String name() {
            return "peer-1";
        }
    };

    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool = new BufferPool(counters);
    private final RecordingFrames frames = new RecordingFrames();
    private final FrameReader reader = new FrameReader(pool, frames, counters, FrameDescriptor.PRE_HELLO_MAX_LENGTH);
    private final FrameWriter writer = new FrameWriter(new Outbound(pool), counters, queuedBytes -> { });
    private final List<String> events = new ArrayList<>();
    private final SecurityStage.Events recorder = new SecurityStage.Events() {
        @Override
        public void securityEstablished(PeerIdentity peer) {
            events.add("established " + (peer == null ? "anonymous" : peer.name()));
        }

        @Override
        public void securityFailed(ErrorCode code, String reason) {
            events.add("failed " + code + ": " + reason);
        }

        @Override
        public void protectStream(RecordProtection protection) {
            events.add("protect " + protection.overhead());
            protections.add(protection);
        }
    };
    private final List<RecordProtection> protections = new ArrayList<>();
    private final Session session = new Session();
    private final SecurityStage stage = new SecurityStage("toy", session, writer, recorder);

    @AfterEach
    void returnsEveryBuffer() {
        writer.releaseAll();
        reader.release();
        assertEquals(0, pool.inUse());
        pool.close();
    }

    /** What a session does at start. */
    interface Start {
        void start(byte[] clientHello, byte[] serverHello, SecuritySession.Handshake handshake);
    }

    /** A session whose every step a test scripts; it records the calls the stage makes. */
    static final class Session implements SecuritySession {
        final List<String> calls = new ArrayList<>();
        Supplier<List<String>> offer = List::of;
        Function<List<String>, List<String>> choose = offered -> List.of();
        Consumer<List<String>> accept = chosen -> { };
        Start start = (c, s, h) -> { };
        MessageHandler onMessage = (m, h) -> { };
        Runnable destroy = () -> { };

        interface MessageHandler {
            void onMessage(ByteBuffer message, Handshake handshake);
        }

        @Override
        public List<String> offer() {
            calls.add("offer");
            return offer.get();
        }

        @Override
        public List<String> choose(List<String> offered) {
            calls.add("choose " + offered);
            return choose.apply(offered);
        }

        @Override
        public void accept(List<String> chosen) {
            calls.add("accept " + chosen);
            accept.accept(chosen);
        }

        @Override
        public void start(byte[] clientHello, byte[] serverHello, Handshake handshake) {
            calls.add("start " + RecordingFrames.bytes(ByteBuffer.wrap(clientHello), 0, clientHello.length) + " "
                + RecordingFrames.bytes(ByteBuffer.wrap(serverHello), 0, serverHello.length));
            start.start(clientHello, serverHello, handshake);
        }

        @Override
        public void onMessage(ByteBuffer message, Handshake handshake) {
            calls.add("message " + RecordingFrames.bytes(message, message.position(), message.remaining()));
            onMessage.onMessage(message, handshake);
        }

        @Override
        public void destroy() {
            calls.add("destroy");
            destroy.run();
        }
    }

    private List<FrameWriterTest.Wire> written() throws IOException {
        ByteSink sink = new ByteSink();
        writer.writeTo(sink);
        return FrameWriterTest.parse(sink.bytes());
    }

    private void feed(byte[] frame) {
        PooledBuffer target = pool.acquire(frame.length);
        target.buf.put(frame).flip();
        reader.read(target);
        pool.release(target);
    }

    // ---------------------------------------------------------------- the handshake

    @Test
    void shouldStayHandshakingWhileTheSessionHasNotEstablished() throws IOException {
        session.start = (c, s, h) -> h.send(new byte[] {1});
        session.onMessage = (m, h) -> h.send(new byte[] {(byte) (m.get(m.position()) + 1)});
        assertFalse(stage.handshaking(), "not before HELLO");
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertTrue(stage.handshaking());
        stage.onHandshake(ByteBuffer.wrap(new byte[] {0, 0, 7, 0}), 2, 1);
        stage.onHandshake(ByteBuffer.wrap(new byte[] {9}), 0, 1);
        assertTrue(stage.handshaking());
        assertEquals(List.of(), events, "never established, never failed");
        assertEquals(List.of("start 0101 0202", "message 07", "message 09"), session.calls);
        List<FrameWriterTest.Wire> sent = written();
        assertEquals(List.of(TYPE_HANDSHAKE, TYPE_HANDSHAKE, TYPE_HANDSHAKE),
            sent.stream().map(FrameWriterTest.Wire::type).toList());
        assertArrayEquals(new byte[] {8}, sent.get(1).payload());
        assertArrayEquals(new byte[] {10}, sent.get(2).payload());
    }

    @Test
    void shouldStartTheClientWithBothHellosAfterAcceptingTheAnswer() {
        session.offer = () -> List.of("p1", "p2");
        session.start = (c, s, h) -> h.established(PEER);
        assertEquals(List.of("p1", "p2"), stage.offer());
        stage.helloSent(CLIENT_HELLO);
        stage.startClient(List.of("p2"), SERVER_HELLO);
        assertEquals(List.of("offer", "accept [p2]", "start 0101 0202"), session.calls);
        assertEquals(List.of("established peer-1"), events);
        assertFalse(stage.handshaking());
    }

    @Test
    void shouldReportEstablishedOnceAndRefuseASecondTime() {
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        stage.established(null);
        assertFalse(stage.handshaking());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> stage.established(PEER));
        assertEquals("the session is established already", e.getMessage());
        assertEquals(List.of("established anonymous"), events);
    }

    @Test
    void shouldFailTheHandshakeWhenTheSessionEstablishesTwice() {
        session.start = (c, s, h) -> {
            h.established(PEER);
            h.established(PEER);
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertEquals(List.of("established peer-1", "failed HANDSHAKE_FAILED: security mechanism 'toy' failed: "
            + "java.lang.IllegalStateException: the session is established already"), events);
    }

    @Test
    void shouldHandTheProtectionToTheConnectionBetweenTheFramesBeforeAndAfter() throws IOException {
        XorTagProtection protection = new XorTagProtection();
        session.start = (c, s, h) -> {
            h.send(new byte[] {1, 2});
            h.protect(protection);
            h.send(new byte[] {3, 4});
            h.established(PEER);
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertEquals(List.of("protect 4", "established peer-1"), events, "protected before established");
        assertSame(protection, protections.get(0));
        assertTrue(stage.protectsFrames());
        assertEquals(2, written().size(), "the stage queues frames; the connection decides how they travel");
    }

    @Test
    void shouldFailTheHandshakeWhenTheSessionProtectsTwice() {
        session.start = (c, s, h) -> {
            h.protect(new XorTagProtection());
            h.protect(new XorTagProtection());
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertEquals(List.of("protect 4", "failed HANDSHAKE_FAILED: security mechanism 'toy' failed: java.lang."
            + "IllegalStateException: the stream is protected already; a session protects it once"), events);
    }

    // ---------------------------------------------------------------- failures

    @Test
    void shouldReportASecurityFailureFromStartWithItsCode() {
        session.start = (c, s, h) -> {
            throw new SecurityFailure(ErrorCode.PEER_NOT_AUTHORIZED, "key not authorized");
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertEquals(List.of("failed PEER_NOT_AUTHORIZED: key not authorized"), events);
    }

    @Test
    void shouldReportASecurityFailureFromAMessageWithItsCode() {
        session.onMessage = (m, h) -> {
            throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "bad signature");
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        stage.onHandshake(ByteBuffer.wrap(new byte[] {1}), 0, 1);
        assertEquals(List.of("failed HANDSHAKE_FAILED: bad signature"), events);
    }

    @Test
    void shouldRefuseAHandshakeMessageToAMechanismWithoutHandshake() {
        SecurityStage plain = new SecurityStage("plain", new SecuritySession() {
            @Override
            public void start(byte[] clientHello, byte[] serverHello, Handshake handshake) {
            }
        }, writer, recorder);
        plain.startServer(CLIENT_HELLO, SERVER_HELLO);
        plain.onHandshake(ByteBuffer.wrap(new byte[] {1}), 0, 1);
        assertEquals(List.of("failed UNEXPECTED_FRAME: HANDSHAKE frame, but this security mechanism has no "
            + "handshake"), events);
    }

    @Test
    void shouldReportASecurityFailureFromChooseAndAnswerNothing() {
        session.choose = offered -> {
            throw new SecurityFailure(ErrorCode.NEGOTIATION_FAILED, "nothing acceptable in " + offered);
        };
        assertNull(stage.choose(List.of("x")));
        assertEquals(List.of("failed NEGOTIATION_FAILED: nothing acceptable in [x]"), events);
    }

    @Test
    void shouldReportASecurityFailureFromAcceptAndNotStart() {
        session.accept = chosen -> {
            throw new SecurityFailure(ErrorCode.NEGOTIATION_FAILED, "not offered: " + chosen);
        };
        stage.helloSent(CLIENT_HELLO);
        stage.startClient(List.of("y"), SERVER_HELLO);
        assertEquals(List.of("failed NEGOTIATION_FAILED: not offered: [y]"), events);
        assertEquals(List.of("accept [y]"), session.calls, "the handshake does not start");
        assertFalse(stage.handshaking());
    }

    @Test
    void shouldRefuseAnAnswerToAClientThatOfferedNothingByDefault() {
        SecurityStage plain = new SecurityStage("plain", (clientHello, serverHello, handshake) -> { },
            writer, recorder);
        plain.helloSent(CLIENT_HELLO);
        plain.startClient(List.of("z"), SERVER_HELLO);
        assertEquals(List.of("failed NEGOTIATION_FAILED: server chose security parameters [z], this side "
            + "offered none"), events);
    }

    @Test
    void shouldReadAProviderBugAsHandshakeFailed() {
        session.start = (c, s, h) -> {
            throw new IllegalStateException("boom");
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        session.onMessage = (m, h) -> {
            throw new IndexOutOfBoundsException("read past the end");
        };
        stage.onHandshake(ByteBuffer.wrap(new byte[] {1}), 0, 1);
        session.offer = () -> {
            throw new NullPointerException("no key");
        };
        assertNull(stage.offer());
        assertEquals(List.of(
            "failed HANDSHAKE_FAILED: security mechanism 'toy' failed: java.lang.IllegalStateException: boom",
            "failed HANDSHAKE_FAILED: security mechanism 'toy' failed: java.lang.IndexOutOfBoundsException: "
                + "read past the end",
            "failed HANDSHAKE_FAILED: security mechanism 'toy' failed: java.lang.NullPointerException: no key"),
            events);
    }

    @Test
    void shouldRefuseAChoiceOfMoreThanOneParameter() {
        session.choose = offered -> List.of("a", "b");
        assertNull(stage.choose(List.of("a", "b")));
        assertEquals(List.of("failed HANDSHAKE_FAILED: security mechanism 'toy' failed: java.lang."
            + "IllegalStateException: security mechanism 'toy' chose 2 parameters; at most one is allowed"), events);

        events.clear();
        session.choose = offered -> List.of("b");
        assertEquals(List.of("b"), stage.choose(List.of("a", "b")));
        assertEquals(List.of(), events);
    }

    // ---------------------------------------------------------------- destroy

    @Test
    void shouldDestroyTheSessionAndTheProtection() {
        XorTagProtection protection = new XorTagProtection();
        session.start = (c, s, h) -> h.protect(protection);
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        stage.destroy();
        assertEquals("destroy", session.calls.get(session.calls.size() - 1));
        assertEquals(1, protection.destroyCalls);
    }

    @Test
    void shouldDestroyASessionThatNeverProtected() {
        stage.destroy();
        assertEquals(List.of("destroy"), session.calls);
    }

    @Test
    void shouldWipeTheProtectionEvenWhenTheSessionsDestroyThrows() {
        XorTagProtection protection = new XorTagProtection();
        session.start = (c, s, h) -> h.protect(protection);
        session.destroy = () -> {
            throw new IllegalStateException("wipe failed");
        };
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertDoesNotThrow(stage::destroy);
        assertEquals(1, protection.destroyCalls, "the frame keys must be wiped whatever the session did");
    }

    @Test
    void shouldSurviveAThrowingProtectionDestroy() {
        XorTagProtection protection = new XorTagProtection();
        protection.failOnDestroy = new IllegalStateException("wipe failed");
        session.start = (c, s, h) -> h.protect(protection);
        stage.startServer(CLIENT_HELLO, SERVER_HELLO);
        assertDoesNotThrow(stage::destroy);
        assertEquals(1, protection.destroyCalls);
    }
}
