package dev.netproto.benchmarks;

import dev.netproto.api.Limits;
import dev.netproto.core.FrameCodec;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The frame codec on its own, no sockets, one frame per operation, against the ceiling of a plain copy:
 *
 * <ul>
 *   <li>{@code encode}: {@link FrameCodec#writeHeader} then an absolute bulk {@code put} of the {@code size}
 *       payload bytes after the header, into a direct buffer, as the connection's send path fills its outbound
 *       segment.</li>
 *   <li>{@code copy}: the ceiling, one absolute bulk {@code put} of the same {@code 16 + size} bytes (an encoded
 *       frame) into a direct buffer, with no header logic.</li>
 *   <li>{@code decode}: {@link FrameCodec#checkHeader} on a RESPONSE frame in a direct buffer, then locating the
 *       payload and checking that all of it has arrived, as the connection's read loop does before it hands the
 *       payload on in place. The payload is not copied, so its cost should not depend on {@code size}.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FrameCodecBenchmark -prof gc}. The allocation per
 * operation should be zero; bytes per second are {@code (16 + size)} times the operations per second.
 */
public class FrameCodecBenchmark extends AbstractBenchmark {
    /** RESPONSE, docs/PROTOCOL.md section 3: a body and a request id, no route. */
    static final int TYPE_RESPONSE = 5;
    /** The request id every benchmark frame carries. */
    static final int REQUEST_ID = 42;
    /** The receiving side's limit: the protocol's cap on a frame payload, also the default maximum. */
    static final int MAX_PAYLOAD_LENGTH = Limits.MAX_FRAME_LENGTH_CAP;

    /** Creates the benchmark; JMH calls this. */
    public FrameCodecBenchmark() {
    }

    /** Buffers of one frame of {@code size} payload bytes. */
    @State(Scope.Thread)
    public static class Frames {
        /** Payload bytes per frame. */
        @Param({"64", "512", "4096", "65536", "1048576"})
        public int size;

        /**
         * Where the payload comes from: {@code heap} (an application's byte array) or {@code direct} (a body
         * received into the read buffer, as on the echo path).
         */
        @Param({"heap", "direct"})
        public String source;

        /** The payload to encode, {@code size} bytes. */
        ByteBuffer payload;
        /** The same frame already encoded, {@code 16 + size} bytes: what {@code copy} copies. */
        ByteBuffer encoded;
        /** Where {@code encode} and {@code copy} write, direct like an outbound segment. */
        ByteBuffer out;

        /** Creates the state; JMH calls this. */
        public Frames() {
        }

        /** Fills the payload and the pre-encoded frame. */
        @Setup(Level.Trial)
        public void setUp() {
            boolean direct = source.equals("direct");
            payload = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
            encoded = direct ? ByteBuffer.allocateDirect(FrameCodec.HEADER_LENGTH + size)
                : ByteBuffer.allocate(FrameCodec.HEADER_LENGTH + size);
            out = ByteBuffer.allocateDirect(FrameCodec.HEADER_LENGTH + size);
            for (int i = 0; i < size; i++) {
                payload.put(i, (byte) (i * 31));
            }
            FrameCodec.writeHeader(encoded, 0, TYPE_RESPONSE, 0, REQUEST_ID, size);
            encoded.put(FrameCodec.HEADER_LENGTH, payload, 0, size);
        }
    }

    /** A received frame of {@code size} payload bytes, in a direct buffer as read from a socket. */
    @State(Scope.Thread)
    public static class Received {
        /** Payload bytes per frame. */
        @Param({"64", "512", "4096", "65536", "1048576"})
        public int size;

        /** The frame, header at 0; its limit is where the received bytes end. */
        ByteBuffer in;

        /** Creates the state; JMH calls this. */
        public Received() {
        }

        /** Encodes the frame to decode. */
        @Setup(Level.Trial)
        public void setUp() {
            in = ByteBuffer.allocateDirect(FrameCodec.HEADER_LENGTH + size);
            FrameCodec.writeHeader(in, 0, TYPE_RESPONSE, 0, REQUEST_ID, size);
            for (int i = 0; i < size; i++) {
                in.put(FrameCodec.HEADER_LENGTH + i, (byte) (i * 31));
            }
        }
    }

    /**
     * Writes the header and copies the payload after it.
     *
     * @param f the buffers
     * @return the frame's length, so that nothing is dead code
     */
    @Benchmark
    public int encode(Frames f) {
        FrameCodec.writeHeader(f.out, 0, TYPE_RESPONSE, 0, REQUEST_ID, f.size);
        f.out.put(FrameCodec.HEADER_LENGTH, f.payload, 0, f.size);
        return FrameCodec.HEADER_LENGTH + f.size;
    }

    /**
     * Copies an already encoded frame: the ceiling for {@link #encode}.
     *
     * @param f the buffers
     * @return the frame's length, so that nothing is dead code
     */
    @Benchmark
    public int copy(Frames f) {
        int length = FrameCodec.HEADER_LENGTH + f.size;
        f.out.put(0, f.encoded, 0, length);
        return length;
    }

    /**
     * Checks the header and locates the payload.
     *
     * @param r the received frame
     * @return where the payload ends (the next frame's offset), or minus the problem code
     */
    @Benchmark
    public int decode(Received r) {
        ByteBuffer b = r.in;
        int problem = FrameCodec.checkHeader(b, 0, MAX_PAYLOAD_LENGTH);
        if (problem != FrameCodec.OK) {
            return -problem;
        }
        int payloadOffset = FrameCodec.HEADER_LENGTH;
        int end = payloadOffset + FrameCodec.payloadLength(b, 0);
        // Connection.decode stops at a frame whose payload has not all arrived; here it always has.
        return end > b.limit() ? 0 : end;
    }
}
