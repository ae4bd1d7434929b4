package dev.netproto.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.netproto.api.spi.RecordProtection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sealed-record test vector of docs/PROTOCOL.md section 8, {@code vectors/records.txt}: records sealed with a
 * fixed key by each cipher, the first two carrying several frames, the second with REKEY (two records per key), and
 * one after the rekey. This test seals every plaintext of the file with the project's code and compares the record
 * bytes, and opens every record back to its plaintext.
 *
 * <p>The file was written by this class with {@code -Dnetproto.vectors.write=<path to records.txt>}; it is checked
 * in, so that the check runs against what was published, not against what the code produces today.
 */
@Timeout(10)
class RecordVectorTest {
    private static final String RESOURCE = "vectors/records.txt";
    private static final HexFormat HEX = HexFormat.of();
    private static final long REKEY_AFTER_MESSAGES = 2;

    /** One cipher's transcript: the key, then each record's plaintext and bytes on the wire. */
    private record Transcript(String cipher, byte[] key, List<byte[]> plaintexts, List<byte[]> records) {
    }

    private static byte[] key() {
        byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) i;
        }
        return k;
    }

    private static byte[] frame(int type, int requestId, byte[] payload) {
        return ByteBuffer.allocate(16 + payload.length).putShort((short) 0x4E50).put((byte) 1).put((byte) type)
            .put((byte) 0).put(new byte[3]).putInt(requestId).putInt(payload.length).put(payload).array();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The plaintexts: a PING and a RESPONSE; a REQUEST cut across records; its end and a PONG (after the rekey). */
    private static List<byte[]> plaintexts() {
        byte[] ping = frame(7, 0, new byte[] {0, 0, 0, 0, 0, 0, 0, 42});
        byte[] response = frame(5, 1, "hello".getBytes(StandardCharsets.US_ASCII));
        byte[] route = "echo".getBytes(StandardCharsets.US_ASCII);
        byte[] request = frame(4, 2, concat(new byte[] {(byte) route.length}, route,
            "a request cut across two records".getBytes(StandardCharsets.US_ASCII)));
        byte[] pong = frame(8, 0, new byte[] {0, 0, 0, 0, 0, 0, 0, 42});
        return List.of(concat(ping, response), java.util.Arrays.copyOf(request, 30),
            concat(java.util.Arrays.copyOfRange(request, 30, request.length), pong));
    }

    private static NoiseRecordProtection protection(CipherFunction function) {
        CipherState sender = new CipherState(function);
        sender.initializeKey(key(), 0);
        CipherState receiver = new CipherState(function);
        receiver.initializeKey(key(), 0);
        return new NoiseRecordProtection(new CipherStatePair(sender, receiver), REKEY_AFTER_MESSAGES, Long.MAX_VALUE);
    }

    private static byte[] seal(NoiseRecordProtection p, byte[] plain) {
        ByteBuffer b = ByteBuffer.allocate(RecordProtection.HEADER_LENGTH + plain.length + p.overhead());
        b.put(RecordProtection.HEADER_LENGTH, plain);
        p.seal(b, 0, plain.length);
        return b.array();
    }

    private static Transcript generate(CipherFunction function) {
        NoiseRecordProtection p = protection(function);
        List<byte[]> records = new ArrayList<>();
        for (byte[] plain : plaintexts()) {
            records.add(seal(p, plain));
        }
        p.destroy();
        return new Transcript(function.noiseName, key(), plaintexts(), records);
    }

    @Test
    void shouldSealAndOpenThePublishedRecords() throws IOException {
        String write = System.getProperty("netproto.vectors.write");
        if (write != null) {
            write(Path.of(write));
        }
        List<Transcript> published = read();
        assertEquals(2, published.size(), "one transcript per cipher");
        for (Transcript t : published) {
            CipherFunction function = CipherFunction.byNoiseName(t.cipher());
            NoiseRecordProtection sender = protection(function);
            NoiseRecordProtection receiver = protection(function);
            for (int i = 0; i < t.records().size(); i++) {
                byte[] plain = t.plaintexts().get(i);
                assertArrayEquals(t.records().get(i), seal(sender, plain), t.cipher() + " record " + (i + 1));
                ByteBuffer record = ByteBuffer.wrap(t.records().get(i).clone());
                int n = receiver.open(record, 0);
                assertArrayEquals(plain, java.util.Arrays.copyOfRange(record.array(), RecordProtection.HEADER_LENGTH,
                    RecordProtection.HEADER_LENGTH + n), t.cipher() + " record " + (i + 1) + " opened");
            }
            assertEquals(NoiseRecordProtection.FLAG_REKEY, t.records().get(1)[0], "the second record rekeys");
            assertEquals(1, sender.keyUpdates());
            sender.destroy();
            receiver.destroy();
        }
    }

    private static List<Transcript> read() throws IOException {
        List<Transcript> out = new ArrayList<>();
        try (InputStream in = RecordVectorTest.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE);
            String cipher = null;
            byte[] key = null;
            List<byte[]> plaintexts = new ArrayList<>();
            List<byte[]> records = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] kv = line.split(": *", 2);
                switch (kv[0]) {
                    case "cipher" -> {
                        if (cipher != null) {
                            out.add(new Transcript(cipher, key, plaintexts, records));
                            plaintexts = new ArrayList<>();
                            records = new ArrayList<>();
                        }
                        cipher = kv[1].strip();
                    }
                    case "key" -> key = HEX.parseHex(kv[1].strip());
                    case "rekey_after_messages" -> assertEquals(REKEY_AFTER_MESSAGES, Long.parseLong(kv[1].strip()));
                    case "plaintext" -> plaintexts.add(HEX.parseHex(kv[1].strip()));
                    case "record" -> records.add(HEX.parseHex(kv[1].strip()));
                    default -> throw new AssertionError("unknown line in " + RESOURCE + ": " + line);
                }
            }
            out.add(new Transcript(cipher, key, plaintexts, records));
        }
        return out;
    }

    private static void write(Path file) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("# netproto sealed records (docs/PROTOCOL.md section 8): one sender's records under a fixed key.\n");
        s.append("# Each record: flags (1 byte, 0x01 = REKEY), body length (u16, big-endian), then\n");
        s.append("# EncryptWithAd(the 3 header bytes, plaintext), CipherState key as given, nonces from 0.\n");
        s.append("# The sender rekeys after every rekey_after_messages records (Noise's Rekey()).\n");
        s.append("# The plaintext is the frame stream: a PING and a RESPONSE; the first 30 bytes of a REQUEST;\n");
        s.append("# the rest of the REQUEST and a PONG. Hex, lower case.\n");
        for (CipherFunction f : List.of(CipherFunction.CHACHA_POLY, CipherFunction.AES_GCM)) {
            Transcript t = generate(f);
            s.append('\n').append("cipher: ").append(t.cipher()).append('\n');
            s.append("key: ").append(HEX.formatHex(t.key())).append('\n');
            s.append("rekey_after_messages: ").append(REKEY_AFTER_MESSAGES).append('\n');
            for (int i = 0; i < t.records().size(); i++) {
                s.append("plaintext: ").append(HEX.formatHex(t.plaintexts().get(i))).append('\n');
                s.append("record: ").append(HEX.formatHex(t.records().get(i))).append('\n');
            }
        }
        Files.writeString(file, s.toString(), StandardCharsets.US_ASCII);
    }
}
