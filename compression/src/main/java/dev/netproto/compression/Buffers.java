package dev.netproto.compression;

import java.nio.ByteBuffer;

/** Argument checks shared by the providers; they throw from here so that the callers stay small. */
final class Buffers {

    private Buffers() {
    }

    /** Checks that {@code dst} is writable and has room for {@code needed} bytes from its position. */
    static void checkRoom(ByteBuffer dst, int needed, String parameter) {
        if (needed < 0) {
            throw new IllegalArgumentException(parameter + " must not be negative: " + needed);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        if (dst.remaining() < needed) {
            throw new IllegalArgumentException("dst has room for " + dst.remaining() + " bytes, fewer than "
                + parameter + " " + needed);
        }
    }

    /** Checks a length given to {@code maxCompressedLength} and converts the bound to an int. */
    static int bound(int length, long bound, String algorithm) {
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative: " + length);
        }
        if (bound > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(algorithm + ": length " + length + " is too large to compress");
        }
        return (int) bound;
    }

    /** Copies {@code src} from its position to its limit into a new array; the position is not changed. */
    static byte[] copy(ByteBuffer src) {
        byte[] bytes = new byte[src.remaining()];
        src.get(src.position(), bytes);
        return bytes;
    }

    /** Throws because the provider's library did not load; see the provider's warning. */
    static IllegalStateException unavailable(String algorithm) {
        return new IllegalStateException(algorithm + " is not available on " + NativeLoader.platform()
            + ": its native library did not load (see the warning logged at first use)");
    }
}
