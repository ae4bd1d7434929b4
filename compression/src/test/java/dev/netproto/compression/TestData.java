package dev.netproto.compression;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic test inputs: JSON-like records, English-like text, random bytes. */
enum TestData {
    JSON, TEXT, RANDOM;

    private static final String[] WORDS = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as",
        "was", "with", "be", "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but",
        "have", "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
        "been", "if", "more", "when", "will", "would", "who", "so", "no", "connection", "message", "server"};
    private static final String[] STATES = {"active", "idle", "closing", "closed"};

    /** Returns {@code size} bytes of this kind, the same for the same seed. */
    byte[] bytes(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] out = new byte[size];
        if (this == RANDOM) {
            random.nextBytes(out);
            return out;
        }
        StringBuilder text = new StringBuilder(size + 256);
        int record = 0;
        while (text.length() < size) {
            if (this == JSON) {
                text.append("{\"id\":").append(record++).append(",\"user\":\"user").append(random.nextInt(1000))
                    .append("\",\"state\":\"").append(STATES[random.nextInt(STATES.length)])
                    .append("\",\"latencyMs\":").append(random.nextInt(5000) / 10.0)
                    .append(",\"tags\":[\"").append(WORDS[random.nextInt(WORDS.length)]).append("\"]},\n");
            } else {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
            }
        }
        byte[] all = text.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(all, 0, out, 0, size);
        return out;
    }
}
