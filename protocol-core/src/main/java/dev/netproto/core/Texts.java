package dev.netproto.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** UTF-8 text in error, close and goaway payloads. */
final class Texts {
    private Texts() {
    }

    /** Encodes text, cut to at most {@code maxBytes} bytes (a cut character is replaced when decoded). */
    static byte[] utf8(String text, int maxBytes) {
        byte[] bytes = (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
        return bytes.length <= maxBytes ? bytes : java.util.Arrays.copyOf(bytes, maxBytes);
    }

    /** Decodes bytes in place, replacing malformed sequences, and strips control characters for safe logging. */
    static String decode(ByteBuffer b, int offset, int length) {
        byte[] bytes = new byte[length];
        b.get(offset, bytes);
        return printable(new String(bytes, StandardCharsets.UTF_8));
    }

    /** Replaces control characters, so that peer-supplied text cannot forge log lines. */
    static String printable(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s.length()).append(s, 0, i);
                }
                sb.append('?');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
