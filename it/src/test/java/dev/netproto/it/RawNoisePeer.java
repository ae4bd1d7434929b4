package dev.netproto.it;

import static dev.netproto.it.RawPeer.HELLO;
import static dev.netproto.it.RawPeer.MAGIC;

import dev.netproto.security.noise.CipherState;
import dev.netproto.security.noise.CipherStatePair;
import dev.netproto.security.noise.HandshakeState;
import dev.netproto.security.noise.NoiseKeyPair;
import dev.netproto.security.noise.NoiseProtocol;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A hand-driven Noise peer on a blocking socket, client or server, that runs HELLO and the Noise handshake of
 * docs/PROTOCOL.md section 8 one step at a time, and seals and opens frames itself, so that tests can do what the
 * reference never would: send frames in the clear mid-handshake, put a payload where the spec wants none, withhold
 * the server's acceptance, pick the REKEY frames. Only the Noise primitives (handshake and cipher states) come from
 * the core's {@code dev.netproto.security.noise} package, reachable because this module runs on the class path; the
 * framing (prologue, chunks, associated data, REKEY) is written here from the spec, not taken from the core.
 */
final class RawNoisePeer implements AutoCloseable {
    static final int HANDSHAKE = 2;
    static final int FLAG_REKEY = 0x02;
    static final int TAG = 16;
    static final int CHUNK = 65_535;
    static final int CHUNK_PLAIN = CHUNK - TAG;
    static final int MAX_FRAME_LENGTH = 16 * 1024 * 1024;
    static final byte[] PROLOGUE_LABEL = "netproto/1 noise".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private HandshakeState handshake;
    private CipherState sender;
    private CipherState receiver;

    private RawNoisePeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    static RawNoisePeer connect(int port) throws IOException {
        return new RawNoisePeer(new Socket(InetAddress.getLoopbackAddress(), port));
    }

    static RawNoisePeer accept(ServerSocket listener) throws IOException {
        return new RawNoisePeer(listener.accept());
    }

    static String xx(String cipher) {
        return "Noise_XX_25519_" + cipher + "_SHA256";
    }

    static String nk(String cipher) {
        return "Noise_NK_25519_" + cipher + "_SHA256";
    }

    /** The first handshake message's payload: {@code millis} as a big-endian u64. */
    static byte[] timestamp(long millis) {
        return ByteBuffer.allocate(8).putLong(millis).array();
    }

    /** A HELLO payload with security {@code noise}, no compression, and {@code noiseOption} appended as given. */
    static byte[] helloPayload(byte[] noiseOption) {
        return RawPeer.concat(RawPeer.option(1, new byte[] {1}),
            RawPeer.option(2, RawPeer.u32(MAX_FRAME_LENGTH)),
            RawPeer.option(3, RawPeer.names("noise")),
            RawPeer.option(4, new byte[0]),
            noiseOption);
    }

    static byte[] noiseProtocols(String... names) {
        return RawPeer.option(5, RawPeer.names(names));
    }

    // ---------------------------------------------------------------- HELLO and handshake

    /**
     * Client: sends HELLO offering {@code protocol} and reads the server's answer; if it is a HELLO, starts the
     * initiator with the prologue of both payloads.
     *
     * @param localStatic this side's static key (XX), or null (NK)
     * @param serverKey   the server's public key for NK's pre-message, or null (XX)
     * @return the server's answer (HELLO, or CLOSE)
     */
    RawPeer.Frame helloAsClient(String protocol, NoiseKeyPair localStatic, byte[] serverKey) throws IOException {
        byte[] sent = helloPayload(noiseProtocols(protocol));
        writeClear(RawPeer.frame(HELLO, 0, sent));
        RawPeer.Frame answer = readClear();
        if (answer != null && answer.type() == HELLO) {
            handshake = HandshakeState.initiator(NoiseProtocol.parse(protocol), prologue(sent, answer.payload()),
                localStatic, serverKey);
        }
        return answer;
    }

    /**
     * Server: reads the client's HELLO, answers with {@code answer} as it is, and starts the responder for
     * {@code protocol} (null: answer only, for answers the client must refuse).
     *
     * @return the client's HELLO
     */
    RawPeer.Frame helloAsServer(byte[] answer, String protocol, NoiseKeyPair localStatic) throws IOException {
        RawPeer.Frame hello = readClear();
        if (hello == null || hello.type() != HELLO) {
            throw new IOException("expected the client's HELLO, got " + hello);
        }
        writeClear(RawPeer.frame(HELLO, 0, answer));
        if (protocol != null) {
            handshake = HandshakeState.responder(NoiseProtocol.parse(protocol), prologue(hello.payload(), answer),
                localStatic, null);
        }
        return hello;
    }

    private static byte[] prologue(byte[] clientHello, byte[] serverHello) {
        return RawPeer.concat(PROLOGUE_LABEL, clientHello, serverHello);
    }

    /** Writes the next handshake message, carrying {@code payload}, as a HANDSHAKE frame in the clear. */
    void writeMessage(byte[] payload) throws IOException {
        writeClear(RawPeer.frame(HANDSHAKE, 0, handshake.writeMessage(payload)));
    }

    /** Reads a HANDSHAKE frame in the clear and returns the payload of the message it carries. */
    byte[] readMessage() throws IOException {
        RawPeer.Frame f = readClear();
        if (f == null || f.type() != HANDSHAKE) {
            throw new IOException("expected HANDSHAKE, got " + describe(f));
        }
        return handshake.readMessage(f.payload());
    }

    /** The peer's static key, once the handshake has carried it. */
    byte[] remoteStaticKey() {
        return handshake.remoteStaticKey();
    }

    /** Split(): from now on {@link #writeSealed} and {@link #readSealed} apply. */
    void split() {
        CipherStatePair pair = handshake.split();
        sender = pair.sender();
        receiver = pair.receiver();
    }

    /**
     * Client, XX: the whole handshake up to and including opening the server's sealed, empty acceptance.
     *
     * @return the acceptance frame, as opened
     */
    RawPeer.Frame openXx(String protocol, NoiseKeyPair clientKey) throws IOException {
        RawPeer.Frame hello = helloAsClient(protocol, clientKey, null);
        if (hello == null || hello.type() != HELLO) {
            throw new IOException("expected HELLO, got " + describe(hello));
        }
        writeMessage(timestamp(System.currentTimeMillis()));
        readMessage();
        writeMessage(new byte[0]);
        split();
        RawPeer.Frame accepted = readSealed();
        if (accepted.type() != HANDSHAKE || accepted.payload().length != 0) {
            throw new IOException("expected the server's empty sealed HANDSHAKE, got " + describe(accepted));
        }
        return accepted;
    }

    // ---------------------------------------------------------------- frames

    void writeClear(byte[] frame) throws IOException {
        out.write(frame);
        out.flush();
    }

    /** Reads one frame as it is on the wire; null at end of stream. */
    RawPeer.Frame readClear() throws IOException {
        byte[] header = new byte[16];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            return null;
        }
        byte[] payload = new byte[ByteBuffer.wrap(header).getInt(12)];
        in.readFully(payload);
        return frame(header, payload);
    }

    /**
     * Seals and writes a frame: its payload cut into chunks of {@value #CHUNK_PLAIN} bytes, each sealed with the
     * header (sealed length and flags set) as associated data; rekeys the sending direction after it when
     * {@code flags} has REKEY.
     */
    void writeSealed(int type, int flags, int requestId, byte[] payload) throws IOException {
        int chunks = Math.max(1, (payload.length + CHUNK_PLAIN - 1) / CHUNK_PLAIN);
        int sealed = payload.length + chunks * TAG;
        byte[] header = Arrays.copyOf(RawPeer.frame(MAGIC, 1, type, flags, requestId, sealed, new byte[0]), 16);
        ByteArrayOutputStream o = new ByteArrayOutputStream(16 + sealed);
        o.writeBytes(header);
        for (int k = 0; k < chunks; k++) {
            int from = k * CHUNK_PLAIN;
            o.writeBytes(sender.encryptWithAd(header, Arrays.copyOfRange(payload, from,
                Math.min(payload.length, from + CHUNK_PLAIN))));
        }
        if ((flags & FLAG_REKEY) != 0) {
            sender.rekey();
        }
        writeClear(o.toByteArray());
    }

    /**
     * Reads and opens a sealed frame; rekeys the receiving direction after it when it has REKEY. The frame's flags
     * are returned as they were in the header.
     *
     * @throws EOFException at end of stream
     * @throws dev.netproto.security.noise.NoiseException if a chunk does not authenticate
     */
    RawPeer.Frame readSealed() throws IOException {
        byte[] header = new byte[16];
        in.readFully(header);
        byte[] sealed = new byte[ByteBuffer.wrap(header).getInt(12)];
        in.readFully(sealed);
        ByteArrayOutputStream plain = new ByteArrayOutputStream(sealed.length);
        for (int from = 0; from < sealed.length; from += CHUNK) {
            plain.writeBytes(receiver.decryptWithAd(header, Arrays.copyOfRange(sealed, from,
                Math.min(sealed.length, from + CHUNK))));
        }
        RawPeer.Frame f = frame(header, plain.toByteArray());
        if ((f.flags() & FLAG_REKEY) != 0) {
            receiver.rekey();
        }
        return f;
    }

    /** Reads sealed frames until CLOSE; fails if the stream ends first. */
    RawPeer.Frame readSealedClose() throws IOException {
        for (RawPeer.Frame f = readSealed(); ; f = readSealed()) {
            if (f.type() == RawPeer.CLOSE) {
                return f;
            }
        }
    }

    private static RawPeer.Frame frame(byte[] header, byte[] payload) {
        ByteBuffer h = ByteBuffer.wrap(header);
        return new RawPeer.Frame(h.get(3), h.getInt(8), payload, h.get(4) & 0xFF);
    }

    static String describe(RawPeer.Frame f) {
        if (f == null) {
            return "end of stream";
        }
        String s = "frame type " + f.type() + " of " + f.payload().length + " bytes";
        return f.type() == RawPeer.CLOSE && f.payload().length >= 2 ? s + " (CLOSE " + f.code() + ": " + f.text() + ")"
            : s;
    }

    /** Closes the socket now, so that the other side reads end of stream; {@link #close()} still wipes the keys. */
    void disconnect() throws IOException {
        socket.close();
    }

    @Override
    public void close() throws IOException {
        if (handshake != null) {
            handshake.destroy();
        }
        if (sender != null) {
            sender.destroy();
        }
        if (receiver != null) {
            receiver.destroy();
        }
        socket.close();
    }
}
