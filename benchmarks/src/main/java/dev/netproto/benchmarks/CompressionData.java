package dev.netproto.benchmarks;

import dev.netproto.api.spi.CompressionProvider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

/**
 * Deterministic payloads for the compression benchmarks, at any size: the same kind, size and seed always give
 * the same bytes, so figures can be reproduced and compared across algorithms.
 *
 * <ul>
 * <li>{@link #JSON}: one JSON object per line, an API-response-like record (ids, names, enums, numbers,
 *     timestamps, a nested array).</li>
 * <li>{@link #TEXT}: English-like prose: common words with a Zipf-like frequency, sentences, punctuation.</li>
 * <li>{@link #RANDOM}: uniformly random bytes (what encrypted or unknown binary data looks like).</li>
 * <li>{@link #COMPRESSED}: Zstandard output of {@link #JSON} data (already-compressed payloads: images, archives,
 *     compressed blobs).</li>
 * <li>{@link #BASE64}: random bytes in Base64 (binary carried in text protocols): 6 bits of entropy per byte, which
 *     entropy coders (zstd, deflate) remove and LZ4 cannot.</li>
 * <li>{@link #MIXED}: 64-byte runs of JSON and of random bytes in turn (records with binary fields such as hashes
 *     or keys): half of it compresses.</li>
 * </ul>
 */
public enum CompressionData {
    /** JSON-like records. */
    JSON,
    /** English-like text. */
    TEXT,
    /** Random bytes. */
    RANDOM,
    /** Zstandard-compressed JSON. */
    COMPRESSED,
    /** Base64 of random bytes. */
    BASE64,
    /** JSON and random bytes in 64-byte runs. */
    MIXED;

    private static final String[] WORDS = {
        "the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are", "with", "as",
        "I", "his", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "not", "word", "but",
        "what", "some", "we", "can", "out", "other", "were", "all", "there", "when", "up", "use", "your", "how",
        "said", "an", "each", "she", "which", "do", "their", "time", "if", "will", "way", "about", "many", "then",
        "them", "write", "would", "like", "so", "these", "her", "long", "make", "thing", "see", "him", "two", "has",
        "look", "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most", "people", "my",
        "over", "know", "water", "than", "call", "first", "who", "may", "down", "side", "been", "now", "find",
        "connection", "server", "message", "network", "request", "response", "protocol", "latency", "throughput"};
    private static final String[] FIRST = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
        "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter"};
    private static final String[] STATES = {"active", "idle", "suspended", "closing", "closed"};
    private static final String[] REGIONS = {"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"};

    /**
     * Returns {@code size} bytes of this kind for seed 0.
     *
     * @param size the length
     * @return new bytes
     */
    public byte[] bytes(int size) {
        return bytes(size, 0);
    }

    /**
     * Returns {@code size} bytes of this kind; the same seed gives the same bytes.
     *
     * @param size the length
     * @param seed selects one of many payloads of this kind
     * @return new bytes
     */
    public byte[] bytes(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed * 31 + ordinal());
        return switch (this) {
            case JSON -> json(size, random);
            case TEXT -> text(size, random);
            case RANDOM -> randomBytes(size, random);
            case COMPRESSED -> compressed(size, random);
            case BASE64 -> base64(size, random);
            case MIXED -> mixed(size, random);
        };
    }

    /**
     * Finds a compression provider by name through {@link ServiceLoader}, as the core does.
     *
     * @param name {@code lz4}, {@code zstd} or {@code deflate}
     * @return the provider
     * @throws IllegalStateException if it is missing or not available on this platform
     */
    static CompressionProvider provider(String name) {
        List<String> found = new ArrayList<>();
        for (CompressionProvider provider : ServiceLoader.load(CompressionProvider.class)) {
            if (provider.name().equals(name)) {
                if (!provider.isAvailable()) {
                    throw new IllegalStateException(name + " is not available on this platform");
                }
                return provider;
            }
            found.add(provider.name());
        }
        throw new IllegalStateException("no compression provider '" + name + "'; found: " + found);
    }

    /**
     * Compresses a whole payload with a provider, for ratios.
     *
     * @param provider the algorithm
     * @param data     the payload
     * @return the compressed length
     */
    static int compressedLength(CompressionProvider provider, byte[] data) {
        ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
        ByteBuffer dst = ByteBuffer.allocateDirect(provider.maxCompressedLength(data.length));
        return provider.compress(src, dst);
    }

    private static byte[] json(int size, SplittableRandom random) {
        StringBuilder out = new StringBuilder(size + 400);
        long time = 1_767_225_600_000L + random.nextInt(1_000_000);
        for (int id = 10_000 + random.nextInt(1000); out.length() < size; id++) {
            time += random.nextInt(5000);
            out.append("{\"id\":").append(id)
                .append(",\"user\":\"").append(FIRST[random.nextInt(FIRST.length)]).append(random.nextInt(100))
                .append("\",\"state\":\"").append(STATES[random.nextInt(STATES.length)])
                .append("\",\"region\":\"").append(REGIONS[random.nextInt(REGIONS.length)])
                .append("\",\"createdAt\":").append(time)
                .append(",\"latencyMs\":").append(random.nextInt(100_000) / 100.0)
                .append(",\"retries\":").append(random.nextInt(4))
                .append(",\"tags\":[\"").append(WORDS[zipf(random)]).append("\",\"")
                .append(WORDS[zipf(random)]).append("\"]}\n");
        }
        return ascii(out, size);
    }

    private static byte[] text(int size, SplittableRandom random) {
        StringBuilder out = new StringBuilder(size + 100);
        boolean sentenceStart = true;
        while (out.length() < size) {
            String word = WORDS[zipf(random)];
            if (sentenceStart) {
                out.append(Character.toUpperCase(word.charAt(0))).append(word, 1, word.length());
            } else {
                out.append(word);
            }
            int end = random.nextInt(100);
            sentenceStart = end < 8;
            out.append(end < 6 ? ". " : end < 8 ? ".\n" : end < 14 ? ", " : " ");
        }
        return ascii(out, size);
    }

    private static byte[] randomBytes(int size, SplittableRandom random) {
        byte[] out = new byte[size];
        random.nextBytes(out);
        return out;
    }

    private static byte[] compressed(int size, SplittableRandom random) {
        CompressionProvider zstd = provider("zstd");
        for (int source = Math.max(4 * size, 4096); ; source *= 2) {
            byte[] json = json(source, random);
            ByteBuffer dst = ByteBuffer.allocate(zstd.maxCompressedLength(source));
            int length = zstd.compress(ByteBuffer.wrap(json), dst);
            if (length >= size) {
                byte[] out = new byte[size];
                System.arraycopy(dst.array(), 0, out, 0, size);
                return out;
            }
        }
    }

    private static byte[] base64(int size, SplittableRandom random) {
        byte[] encoded = Base64.getEncoder().encode(randomBytes(size * 3 / 4 + 3, random));
        byte[] out = new byte[size];
        System.arraycopy(encoded, 0, out, 0, size);
        return out;
    }

    private static byte[] mixed(int size, SplittableRandom random) {
        byte[] json = json(size, random);
        byte[] noise = randomBytes(size, random);
        for (int i = 64; i < size; i += 128) {
            System.arraycopy(noise, i, json, i, Math.min(64, size - i));
        }
        return json;
    }

    /** An index into {@link #WORDS}, small indexes much more often (roughly Zipf's law). */
    private static int zipf(SplittableRandom random) {
        double u = random.nextDouble();
        return (int) Math.min(WORDS.length - 1, Math.floor(Math.pow(WORDS.length + 1, u * u) - 1));
    }

    private static byte[] ascii(StringBuilder text, int size) {
        byte[] out = new byte[size];
        byte[] all = text.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(all, 0, out, 0, size);
        return out;
    }
}
