package dev.netproto.benchmarks;

import dev.netproto.security.noise.CipherState;
import dev.netproto.security.noise.CipherStatePair;
import dev.netproto.security.noise.HandshakeState;
import dev.netproto.security.noise.NoiseKeyPair;
import dev.netproto.security.noise.NoiseProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The Noise crypto core (issue #4) on its own, without sockets: transport sealing and opening of one message with
 * the frame header as associated data, and complete {@code XX} handshakes.
 *
 * <ul>
 *   <li>{@code seal}: encrypts {@code size} payload bytes in place in a segment (header, payload, then the tag
 *       written after it), as the send path will; the nonce advances every call, as on a connection.</li>
 *   <li>{@code open}: decrypts one sealed message from one buffer into another. The receiving
 *       cipher state is set back to the message's nonce before each call ({@code SetNonce}), so the same
 *       ciphertext is opened every time and the input needs no restoring.</li>
 *   <li>{@code handshakeXx}: initiator and responder of {@code Noise_XX_25519_*_SHA256} in one thread, fresh
 *       ephemeral keys from {@link java.security.SecureRandom}, empty payloads, then split and destroy: about eight
 *       X25519 operations.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar NoiseBenchmark -prof gc}. With {@code -prof gc},
 * {@code gc.alloc.rate.norm} is what one seal, open or handshake allocates. For seal and open it is not zero: every
 * message needs a new nonce, the JCE can only take one through {@code Cipher.init}, and SunJCE allocates on each
 * init (for ChaCha20-Poly1305 a new Poly1305 engine and a 1 KiB array to derive its key; for AES-GCM new GCM,
 * GHASH and GCTR engines); the same loop written directly against the JCE allocates the same amount.
 */
public class NoiseBenchmark extends AbstractBenchmark {
    /** Associated data per message: a frame header. */
    static final int HEADER_LENGTH = 16;

    /** Creates the benchmark; JMH calls this. */
    public NoiseBenchmark() {
    }

    private static String protocolName(String cipher) {
        return "Noise_XX_25519_" + cipher + "_SHA256";
    }

    /** Transport cipher states from a real XX handshake, and the buffers they work on. */
    @State(Scope.Thread)
    public static class Transport {
        /** The Noise cipher function. */
        @Param({"ChaChaPoly", "AESGCM"})
        public String cipher;

        /** Payload bytes per message. */
        @Param({"64", "1024", "65536"})
        public int size;

        /**
         * Buffer kind: {@code direct} as the event loop's segments and read buffer are (the cipher state copies
         * through its scratch array), or {@code heap} (the JCE works on the backing arrays, no copy).
         */
        @Param({"direct", "heap"})
        public String buffer;

        CipherState sealer;
        CipherState opener;
        /** Header, payload and tag; sealed in place. */
        ByteBuffer segment;
        /** Header and one message sealed at nonce {@link #sealedNonce}. */
        ByteBuffer sealed;
        long sealedNonce;
        /** Where {@code open} writes the plaintext. */
        ByteBuffer plaintext;
        private CipherStatePair initiatorCiphers;
        private CipherStatePair responderCiphers;

        /** Creates the state; JMH calls this. */
        public Transport() {
        }

        /** Runs a handshake and prepares the buffers and the message to open. */
        @Setup(Level.Trial)
        public void setUp() {
            NoiseProtocol protocol = NoiseProtocol.parse(protocolName(cipher));
            try (NoiseKeyPair is = NoiseKeyPair.generate(); NoiseKeyPair rs = NoiseKeyPair.generate();
                HandshakeState initiator = HandshakeState.initiator(protocol, null, is, null);
                HandshakeState responder = HandshakeState.responder(protocol, null, rs, null)) {
                responder.readMessage(initiator.writeMessage(new byte[0]));
                initiator.readMessage(responder.writeMessage(new byte[0]));
                responder.readMessage(initiator.writeMessage(new byte[0]));
                initiatorCiphers = initiator.split();
                responderCiphers = responder.split();
            }
            sealer = initiatorCiphers.sender();
            opener = responderCiphers.receiver();
            segment = allocate(HEADER_LENGTH + size + CipherState.TAG_LENGTH);
            sealed = allocate(HEADER_LENGTH + size + CipherState.TAG_LENGTH);
            plaintext = allocate(size);
            byte[] header = "NP\u0001\u0003header+length".getBytes(StandardCharsets.ISO_8859_1);
            segment.put(0, header, 0, HEADER_LENGTH);
            sealed.put(0, header, 0, HEADER_LENGTH);
            for (int i = 0; i < size; i++) {
                sealed.put(HEADER_LENGTH + i, (byte) i);
            }
            // The message to open is the sealer's first (nonce 0); opening it once checks it, and each open()
            // then sets the opener back to that nonce. The sealer carries on from nonce 1 in seal().
            sealedNonce = opener.nonce();
            sealer.encryptWithAd(sealed, 0, HEADER_LENGTH, sealed, HEADER_LENGTH, size, sealed, HEADER_LENGTH);
            opener.decryptWithAd(sealed, 0, HEADER_LENGTH, sealed, HEADER_LENGTH, size + CipherState.TAG_LENGTH,
                plaintext, 0);
            opener.setNonce(sealedNonce);
        }

        private ByteBuffer allocate(int capacity) {
            return buffer.equals("heap") ? ByteBuffer.allocate(capacity) : ByteBuffer.allocateDirect(capacity);
        }

        /** Destroys the cipher states. */
        @TearDown(Level.Trial)
        public void tearDown() {
            initiatorCiphers.close();
            responderCiphers.close();
        }
    }

    /** Static keys and the protocol for handshakes. */
    @State(Scope.Thread)
    public static class Handshake {
        /** The Noise cipher function. */
        @Param({"ChaChaPoly", "AESGCM"})
        public String cipher;

        NoiseProtocol protocol;
        NoiseKeyPair initiatorStatic;
        NoiseKeyPair responderStatic;
        final byte[] empty = new byte[0];

        /** Creates the state; JMH calls this. */
        public Handshake() {
        }

        /** Generates the static keys. */
        @Setup(Level.Trial)
        public void setUp() {
            protocol = NoiseProtocol.parse(protocolName(cipher));
            initiatorStatic = NoiseKeyPair.generate();
            responderStatic = NoiseKeyPair.generate();
        }

        /** Destroys the static keys. */
        @TearDown(Level.Trial)
        public void tearDown() {
            initiatorStatic.destroy();
            responderStatic.destroy();
        }
    }

    /**
     * Seals one message in place.
     *
     * @param t the transport state
     * @return bytes written, so that nothing is dead code
     */
    @Benchmark
    public int seal(Transport t) {
        return t.sealer.encryptWithAd(t.segment, 0, HEADER_LENGTH, t.segment, HEADER_LENGTH, t.size, t.segment,
            HEADER_LENGTH);
    }

    /**
     * Opens one message.
     *
     * @param t the transport state
     * @return bytes of plaintext, so that nothing is dead code
     */
    @Benchmark
    public int open(Transport t) {
        t.opener.setNonce(t.sealedNonce);
        return t.opener.decryptWithAd(t.sealed, 0, HEADER_LENGTH, t.sealed, HEADER_LENGTH,
            t.size + CipherState.TAG_LENGTH, t.plaintext, 0);
    }

    /**
     * Runs one complete XX handshake, both sides in this thread.
     *
     * @param h the handshake state
     * @return the first byte of the handshake hash, so that nothing is dead code
     */
    @Benchmark
    public byte handshakeXx(Handshake h) {
        try (HandshakeState initiator = HandshakeState.initiator(h.protocol, null, h.initiatorStatic, null);
            HandshakeState responder = HandshakeState.responder(h.protocol, null, h.responderStatic, null)) {
            responder.readMessage(initiator.writeMessage(h.empty));
            initiator.readMessage(responder.writeMessage(h.empty));
            responder.readMessage(initiator.writeMessage(h.empty));
            CipherStatePair i = initiator.split();
            CipherStatePair r = responder.split();
            byte first = initiator.handshakeHash()[0];
            i.close();
            r.close();
            return first;
        }
    }
}
