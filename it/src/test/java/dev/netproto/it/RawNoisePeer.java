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
 * docs/PROTOCOL.md section 8 one step at a time, and seals and opens records itself, so that tests can do what the
 * reference never would: send frames in the clear mid-handshake, put a payload where the spec wants none, withhold
 * the server's acceptance, pick the REKEY records. Only the Noise primitives (handshake and cipher states) come from
 * the core's {@code dev.netproto.security.noise} package, reachable because this module runs on the class path; the
 * framing (prologue, records, associated data, REKEY) is written here from the spec, not taken from the core.
 */
final class RawNoisePeer implements AutoCloseable {
    static final int HANDSHAKE = 2;
    /** Record flag: the sender rekeys after this record. */
    static final int FLAG_REKEY = 0x01;
    static final int TAG = 16;
    /** The largest record body, and the plaintext it holds. */
    static final int RECORD_BODY = 65_535;
    static final int RECORD_PLAIN = RECORD_BODY - TAG;
    static final int MAX_FRAME_LENGTH = 16 * 1024 * 1024;
    static final byte[] PROLOGUE_LABEL = "netproto/1 noise".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private HandshakeState handshake;
    private CipherState sender;
    private CipherState receiver;
    /** Plaintext opened from records and not yet returned as a frame. */
    private final ByteArrayOutputStream opened = new ByteArrayOutputStream();
    private boolean lastFrameRekeyed;

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

    /** Seals and writes a frame as one record (or more, past {@value #RECORD_PLAIN} bytes). */
    void writeSealed(int type, int flags, int requestId, byte[] payload) throws IOException {
        writeSealed(type, flags, requestId, payload, false);
    }

    /**
     * Seals and writes a frame in records of at most {@value #RECORD_PLAIN} bytes of plaintext, each sealed with its
     * 3-byte header (flags, body length) as associated data; when {@code rekey}, the last record carries REKEY and
     * this side rekeys its sending direction after it.
     */
    void writeSealed(int type, int flags, int requestId, byte[] payload, boolean rekey) throws IOException {
        writeRecords(RawPeer.frame(MAGIC, 1, type, flags, requestId, payload.length, payload), rekey);
    }

    /** Seals any plaintext (whole frames, parts of frames) in records and writes them. */
    void writeRecords(byte[] plain, boolean rekeyAfterLast) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream(plain.length + 64);
        for (int from = 0; from < plain.length; from += RECORD_PLAIN) {
            int to = Math.min(plain.length, from + RECORD_PLAIN);
            boolean last = to == plain.length;
            byte[] header = recordHeader(last && rekeyAfterLast ? FLAG_REKEY : 0, to - from + TAG);
            o.writeBytes(header);
            o.writeBytes(sender.encryptWithAd(header, Arrays.copyOfRange(plain, from, to)));
        }
        if (rekeyAfterLast) {
            sender.rekey();
        }
        writeClear(o.toByteArray());
    }

    static byte[] recordHeader(int flags, int bodyLength) {
        return new byte[] {(byte) flags, (byte) (bodyLength >> 8), (byte) bodyLength};
    }

    /**
     * Reads records until a whole frame has arrived and returns it; rekeys the receiving direction after each record
     * with REKEY, and remembers whether the records of this frame carried it ({@link #lastFrameRekeyed()}).
     *
     * @throws EOFException at end of stream
     * @throws dev.netproto.security.noise.NoiseException if a record does not authenticate
     */
    RawPeer.Frame readSealed() throws IOException {
        lastFrameRekeyed = false;
        while (opened.size() < 16 || opened.size() < 16 + ByteBuffer.wrap(opened.toByteArray(), 12, 4).getInt()) {
            readRecord();
        }
        byte[] all = opened.toByteArray();
        int length = 16 + ByteBuffer.wrap(all, 12, 4).getInt();
        opened.reset();
        opened.write(all, length, all.length - length);
        return frame(Arrays.copyOf(all, 16), Arrays.copyOfRange(all, 16, length));
    }

    private void readRecord() throws IOException {
        byte[] header = new byte[3];
        in.readFully(header);
        byte[] body = new byte[((header[1] & 0xFF) << 8) | (header[2] & 0xFF)];
        in.readFully(body);
        opened.writeBytes(receiver.decryptWithAd(header, body));
        if ((header[0] & FLAG_REKEY) != 0) {
            receiver.rekey();
            lastFrameRekeyed = true;
        }
    }

    /** Whether a record that carried the last frame {@link #readSealed} returned had REKEY. */
    boolean lastFrameRekeyed() {
        return lastFrameRekeyed;
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
