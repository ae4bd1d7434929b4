package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.NoisePeerIdentity;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.SecuritySession;
import dev.netproto.api.spi.SessionContext;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server's handling of first handshake messages, driven in process through {@link NoiseSecuritySession} (no
 * sockets): why it needs no replay cache, and the stateless timestamp window it keeps (docs/PROTOCOL.md section 8,
 * docs/ARCHITECTURE.md "Decision: no replay cache for Noise handshakes").
 *
 * <ul>
 *   <li>A replayed first message is answered, but the replayer cannot complete the handshake (XX) or get a sealed
 *       frame accepted (NK): that is what makes a cache of seen first messages unnecessary.</li>
 *   <li>First messages from peers without keys leave nothing behind that a later handshake needs: any number of
 *       them, even the same one again, is answered, and a legitimate client then connects.</li>
 *   <li>The timestamp window still holds, with the clock injected: inclusive bounds, {@code TOO_OLD} and
 *       {@code TOO_NEW}.</li>
 * </ul>
 */
@Timeout(120)
class NoiseSecuritySessionTest {
    private static final long NOW = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();
    private static final long WINDOW_MS = NoiseOptions.DEFAULT_REPLAY_WINDOW.toMillis();
    private static final InstantSource SERVER_CLOCK = InstantSource.fixed(Instant.ofEpochMilli(NOW));
    /** Stand-ins for the HELLO payloads: the prologue only needs both sides to use the same bytes. */
    private static final byte[] CLIENT_HELLO = "client hello".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_HELLO = "server hello".getBytes(StandardCharsets.US_ASCII);
    private static final String XX = NoiseContext.name(NoiseContext.XX, "AESGCM");
    private static final String NK = NoiseContext.name(NoiseContext.NK, "ChaChaPoly");

    private final NoiseIdentity serverKey = NoiseIdentity.generate();
    private final NoiseIdentity clientKey = NoiseIdentity.generate();
    /** The server of every test: it accepts {@link #clientKey} over XX and anyone over NK. */
    private final NoiseContext server = NoiseContext.forServer(NoiseOptions.builder().identity(serverKey)
        .allowAnyClient().clock(SERVER_CLOCK).build());

    // ---------------------------------------------------------------- harness

    /** One side of a connection as the core would drive it: what its session sent, installed and decided. */
    private static final class Side implements SecuritySession.Handshake {
        final SecuritySession session;
        final List<byte[]> sent = new ArrayList<>();
        RecordProtection protection;
        boolean established;
        PeerIdentity peer;

        Side(NoiseContext ctx, SecurityRole role) {
            session = ctx.newSession(new Context(role));
        }

        @Override
        public void send(byte[] message) {
            sent.add(message.clone());
        }

        @Override
        public void protect(RecordProtection p) {
            protection = p;
        }

        @Override
        public void established(PeerIdentity p) {
            established = true;
            peer = p;
        }

        /** Hands the session one HANDSHAKE payload, as the core does (opened already, if sealed). */
        void receive(byte[] message) {
            session.onMessage(ByteBuffer.wrap(message), this);
        }

        byte[] lastSent() {
            return sent.get(sent.size() - 1);
        }
    }

    private record Context(SecurityRole role) implements SessionContext {
        @Override
        public String remoteAddress() {
            return "in-process";
        }

        @Override
        public String transport() {
            return "in-process";
        }

        @Override
        public SSLSession tlsSession() {
            return null;
        }
    }

    /** A server side whose HELLO chose {@code protocol}, its handshake started. */
    private Side serverSide(String protocol) {
        Side side = new Side(server, SecurityRole.SERVER);
        assertEquals(List.of(protocol), side.session.choose(List.of(protocol)));
        side.session.start(CLIENT_HELLO, SERVER_HELLO, side);
        return side;
    }

    /** Client options for {@code pattern}: XX with {@link #clientKey}, NK anonymous; both pin the server. */
    private NoiseOptions.Builder client(String protocol) {
        NoiseOptions.Builder b = NoiseOptions.builder().serverKey(serverKey.publicKey());
        if (!NoiseContext.isNk(protocol)) {
            b.identity(clientKey);
        }
        return b.ciphers(protocol.contains("AESGCM") ? "AESGCM" : "ChaChaPoly");
    }

    /** A client side that has sent its first message, stamped with {@code clock}. */
    private static Side clientSide(NoiseOptions.Builder options, InstantSource clock) {
        Side side = new Side(NoiseContext.forClient(options.clock(clock).build()), SecurityRole.CLIENT);
        side.session.accept(side.session.offer());
        side.session.start(CLIENT_HELLO, SERVER_HELLO, side);
        assertEquals(1, side.sent.size(), "the client's first message");
        return side;
    }

    /**
     * Runs a whole handshake between a new client and a new server, passing each message across, and returns both
     * sides, open.
     */
    private Pair handshake(String protocol) {
        Side c = clientSide(client(protocol), SERVER_CLOCK);
        Side s = serverSide(protocol);
        int delivered = 0;
        int answered = 0;
        while (!(c.established && s.established)) {
            if (delivered < c.sent.size()) {
                s.receive(c.sent.get(delivered++));
            } else if (answered < s.sent.size()) {
                c.receive(s.sent.get(answered++));
            } else {
                throw new AssertionError("handshake stalled: client sent " + c.sent.size() + ", server sent "
                    + s.sent.size());
            }
        }
        return new Pair(c, s);
    }

    private record Pair(Side client, Side server) {
    }

    /** A record sealed by {@code sender}, carrying {@code body} as its plaintext, as it would go on the wire. */
    private static byte[] seal(RecordProtection sender, byte[] body) {
        ByteBuffer record = ByteBuffer.allocate(RecordProtection.HEADER_LENGTH + body.length + sender.overhead());
        record.put(RecordProtection.HEADER_LENGTH, body);
        sender.seal(record, 0, body.length);
        return record.array();
    }

    /** Opens a sealed record with {@code receiver}; returns its plaintext. */
    private static byte[] open(RecordProtection receiver, byte[] record) {
        ByteBuffer b = ByteBuffer.wrap(record.clone());
        int plain = receiver.open(b, 0);
        return Arrays.copyOfRange(b.array(), RecordProtection.HEADER_LENGTH, RecordProtection.HEADER_LENGTH + plain);
    }

    // ---------------------------------------------------------------- a replayed first message gains nothing

    @Test
    void shouldAnswerAReplayedXxFirstMessageButNeverCompleteItsHandshake() {
        Pair legit = handshake(XX);
        byte[] first = legit.client().sent.get(0);
        byte[] third = legit.client().sent.get(1);
        byte[] originalAnswer = legit.server().sent.get(0);

        // The replay is answered: the server cannot tell it from a fresh first message, and remembers none.
        Side replayed = serverSide(XX);
        replayed.receive(first);
        assertEquals(1, replayed.sent.size(), "the second message");
        assertFalse(Arrays.equals(originalAnswer, replayed.lastSent()), "a fresh responder ephemeral");
        // Completing needs the third message, encrypted under ee and se with the initiator's ephemeral private key,
        // which never left the client: the captured one does not decrypt against the new responder ephemeral.
        SecurityFailure failure = assertThrows(SecurityFailure.class, () -> replayed.receive(third));
        assertEquals(ErrorCode.HANDSHAKE_FAILED, failure.code());
        NoiseException cause = assertInstanceOf(NoiseException.class, failure.getCause(), failure.getMessage());
        assertEquals(NoiseException.Reason.AUTHENTICATION_FAILED, cause.reason());
        assertFalse(replayed.established, "the replayed handshake never opened");
        assertNull(replayed.protection, "no keys were derived");
        replayed.session.destroy();

        // The legitimate session is untouched by the replay.
        assertEquals("still served", new String(open(legit.server().protection,
            seal(legit.client().protection, "still served".getBytes(StandardCharsets.US_ASCII))),
            StandardCharsets.US_ASCII));
    }

    @Test
    void shouldAnswerAReplayedNkFirstMessageButRefuseEveryFrameSealedForTheOriginal() {
        Pair legit = handshake(NK);
        byte[] first = legit.client().sent.get(0);
        byte[] captured = seal(legit.client().protection, "transfer 100".getBytes(StandardCharsets.US_ASCII));
        byte[] capturedNext = seal(legit.client().protection, "transfer 200".getBytes(StandardCharsets.US_ASCII));

        // NK opens the server's side after its answer, as it does for any anonymous client: a fresh handshake would
        // give the replayer the same, and it carries no application data.
        Side replayed = serverSide(NK);
        replayed.receive(first);
        assertEquals(1, replayed.sent.size(), "the second message");
        assertTrue(replayed.established);
        assertNull(replayed.peer, "an anonymous client");
        // Every sealed frame needs keys mixed from ee, which takes the initiator's ephemeral private key: the
        // captured frames, sealed under the original session's keys, do not open.
        for (byte[] frame : List.of(captured, capturedNext)) {
            SecurityFailure failure = assertThrows(SecurityFailure.class, () -> open(replayed.protection, frame));
            assertEquals(ErrorCode.AUTHENTICATION_FAILED, failure.code(), failure.getMessage());
        }
        // Nor does what the server seals for the replayed session open with the original client's keys.
        byte[] toReplayer = seal(replayed.protection, "secret".getBytes(StandardCharsets.US_ASCII));
        SecurityFailure failure = assertThrows(SecurityFailure.class, () -> open(legit.client().protection,
            toReplayer));
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, failure.code());
        replayed.protection.destroy();

        // The captured frames are genuine: the original server opens them.
        assertEquals("transfer 100", new String(open(legit.server().protection, captured), StandardCharsets.US_ASCII));
        assertEquals("transfer 200", new String(open(legit.server().protection, capturedNext),
            StandardCharsets.US_ASCII));
    }

    // ---------------------------------------------------------------- unauthenticated work leaves no state

    /**
     * First messages from peers without keys, with fresh ephemerals and valid timestamps (what filled the old replay
     * cache, whose default held 100,000), are each answered, and then a legitimate client of each pattern connects.
     * Each answer costs the server three X25519 operations (about 0.4 ms on the build machine), so the count is kept
     * to a few thousand; that nothing is remembered is shown directly by answering one message twice, below.
     */
    @Test
    void shouldAnswerEveryBogusFirstMessageAndStillLetLegitimateClientsIn() {
        SecureRandom random = new SecureRandom();
        byte[] timestamp = ByteBuffer.allocate(NoiseContext.TIMESTAMP_LENGTH).putLong(NOW).array();
        int xxMessages = 2_000;
        for (int i = 0; i < xxMessages; i++) {
            // XX's first message is an ephemeral key and the timestamp in the clear: 32 random bytes will do.
            byte[] first = new byte[NoiseKeyPair.KEY_LENGTH + NoiseContext.TIMESTAMP_LENGTH];
            random.nextBytes(first);
            System.arraycopy(timestamp, 0, first, NoiseKeyPair.KEY_LENGTH, timestamp.length);
            assertAnsweredOnce(first, XX, i);
        }
        int nkMessages = 500;
        for (int i = 0; i < nkMessages; i++) {
            // NK's timestamp is encrypted under es: the attacker does that DH too, with the server's public key.
            assertAnsweredOnce(clientSide(client(NK), SERVER_CLOCK).sent.get(0), NK, xxMessages + i);
        }
        for (String protocol : List.of(XX, NK)) {
            Pair legit = handshake(protocol);
            assertEquals(NoiseContext.isNk(protocol) ? null : new NoisePeerIdentity(clientKey.publicKey(), ""),
                legit.server().peer);
            assertEquals("after the flood", new String(open(legit.server().protection,
                seal(legit.client().protection, "after the flood".getBytes(StandardCharsets.US_ASCII))),
                StandardCharsets.US_ASCII));
        }
    }

    private void assertAnsweredOnce(byte[] first, String protocol, int index) {
        Side s = serverSide(protocol);
        s.receive(first);
        if (s.sent.size() != 1) {
            throw new AssertionError("bogus first message " + index + " (" + protocol + ") got " + s.sent.size()
                + " answers");
        }
        s.session.destroy();
        if (s.protection != null) {
            s.protection.destroy();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Noise_XX_25519_AESGCM_SHA256", "Noise_NK_25519_ChaChaPoly_SHA256"})
    void shouldAnswerTheSameFirstMessageAgainBecauseNothingIsRemembered(String protocol) {
        byte[] first = clientSide(client(protocol), SERVER_CLOCK).sent.get(0);
        Side once = serverSide(protocol);
        once.receive(first);
        Side twice = serverSide(protocol);
        twice.receive(first);
        assertEquals(1, once.sent.size());
        assertEquals(1, twice.sent.size(), "answered again: no record of the first time refuses it");
        assertFalse(Arrays.equals(once.lastSent(), twice.lastSent()), "each answer has its own ephemeral");
    }

    @Test
    void shouldKeepNothingBetweenConnectionsInTheServersSharedContext() {
        // What every connection of a server shares must not be something a handshake writes to: each field is
        // final, and holds options, the static keys or the immutable list of protocols.
        for (Field field : NoiseContext.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            assertTrue(Modifier.isFinal(field.getModifiers()), field + " is not final");
            assertTrue(List.of(NoiseOptions.class, NoiseKeyPair.class, List.class).contains(field.getType()),
                field + ": shared state a handshake could change?");
        }
        assertThrows(UnsupportedOperationException.class, () -> server.protocols.add("Noise_XX_more"));
    }

    // ---------------------------------------------------------------- the timestamp window

    @ParameterizedTest
    @ValueSource(strings = {"Noise_XX_25519_AESGCM_SHA256", "Noise_NK_25519_ChaChaPoly_SHA256"})
    void shouldAcceptTimestampsOnTheEdgesOfTheWindow(String protocol) {
        for (long offset : new long[] {-WINDOW_MS, WINDOW_MS, 0}) {
            InstantSource clientClock = InstantSource.fixed(Instant.ofEpochMilli(NOW + offset));
            Side s = serverSide(protocol);
            s.receive(clientSide(client(protocol), clientClock).sent.get(0));
            assertEquals(1, s.sent.size(), "answered at " + offset + " ms from the server's clock");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Noise_XX_25519_AESGCM_SHA256", "Noise_NK_25519_ChaChaPoly_SHA256"})
    void shouldRefuseTimestampsOutsideTheWindow(String protocol) {
        assertRefused(protocol, NOW - WINDOW_MS - 1, "TOO_OLD");
        assertRefused(protocol, NOW + WINDOW_MS + 1, "TOO_NEW");
        assertRefused(protocol, NOW - Duration.ofDays(365).toMillis(), "TOO_OLD");
        assertRefused(protocol, Long.MIN_VALUE, "TOO_OLD");
        assertRefused(protocol, Long.MAX_VALUE, "TOO_NEW");
    }

    private void assertRefused(String protocol, long clientMillis, String verdict) {
        byte[] first = firstMessageAt(protocol, clientMillis);
        Side s = serverSide(protocol);
        SecurityFailure failure = assertThrows(SecurityFailure.class, () -> s.receive(first));
        assertEquals(ErrorCode.HANDSHAKE_FAILED, failure.code());
        assertEquals("first Noise message refused (" + verdict + "): timestamp " + Instant.ofEpochMilli(clientMillis)
            + ", window " + NoiseOptions.DEFAULT_REPLAY_WINDOW + " around " + Instant.ofEpochMilli(NOW),
            failure.getMessage());
        assertTrue(s.sent.isEmpty(), "no answer to a refused first message");
        assertFalse(s.established);
        s.session.destroy();
    }

    /**
     * A genuine first message of {@code protocol} carrying {@code millis}, any u64 (the reference client stamps its
     * clock's reading, which cannot be {@code Long.MIN_VALUE}), written with the Noise primitives.
     */
    private byte[] firstMessageAt(String protocol, long millis) {
        byte[] prologue = new byte[NoiseContext.PROLOGUE_LABEL.length + CLIENT_HELLO.length + SERVER_HELLO.length];
        ByteBuffer.wrap(prologue).put(NoiseContext.PROLOGUE_LABEL).put(CLIENT_HELLO).put(SERVER_HELLO);
        boolean nk = NoiseContext.isNk(protocol);
        NoiseKeyPair localStatic = nk ? null : NoiseKeyPair.fromPrivateKey(clientKey.privateKeyBytes());
        try (HandshakeState initiator = HandshakeState.initiator(NoiseProtocol.parse(protocol), prologue, localStatic,
            nk ? serverKey.publicKey().bytes() : null)) {
            return initiator.writeMessage(ByteBuffer.allocate(NoiseContext.TIMESTAMP_LENGTH).putLong(millis).array());
        } finally {
            if (localStatic != null) {
                localStatic.destroy();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 7, 9})
    void shouldRefuseAFirstMessageWhosePayloadIsNotATimestamp(int length) {
        byte[] first = new byte[NoiseKeyPair.KEY_LENGTH + length];
        System.arraycopy(NoiseKeyPair.generate().publicKey(), 0, first, 0, NoiseKeyPair.KEY_LENGTH);
        Side s = serverSide(XX);
        SecurityFailure failure = assertThrows(SecurityFailure.class, () -> s.receive(first));
        assertEquals(ErrorCode.HANDSHAKE_FAILED, failure.code());
        assertEquals("first Noise message carries " + length + " bytes of payload, expected an 8-byte timestamp",
            failure.getMessage());
        assertTrue(s.sent.isEmpty());
    }

    @Test
    void shouldStampTheFirstMessageWithTheClientsClock() {
        long millis = NOW - 12_345;
        byte[] first = clientSide(client(XX), InstantSource.fixed(Instant.ofEpochMilli(millis))).sent.get(0);
        assertEquals(millis, ByteBuffer.wrap(first).getLong(NoiseKeyPair.KEY_LENGTH),
            "XX: the timestamp follows the ephemeral key, in the clear, big-endian");
    }
}
