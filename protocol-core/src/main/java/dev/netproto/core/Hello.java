package dev.netproto.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The HELLO payload: a list of options, each {@code key(u16) length(u16) value} (docs/PROTOCOL.md, section
 * "HELLO"). Encoded and decoded once per connection, so it favours clarity over allocation.
 *
 * @param versions       protocol versions the sender speaks (the client lists all; the server answers one)
 * @param maxFrameLength the largest payload the sender accepts
 * @param security       security mechanisms, in preference order (the server answers one)
 * @param compression    compression algorithms, in preference order (the server answers at most one)
 * @param securityParameters the security mechanism's parameters (the client offers, the server answers at most
 *                           one; Noise: protocol names); empty for none
 */
record Hello(byte[] versions, int maxFrameLength, List<String> security, List<String> compression,
             List<String> securityParameters) {
    static final int OPTION_VERSIONS = 1;
    static final int OPTION_MAX_FRAME_LENGTH = 2;
    static final int OPTION_SECURITY = 3;
    static final int OPTION_COMPRESSION = 4;
    static final int OPTION_SECURITY_PARAMETERS = 5;
    static final int OPTION_HEADER_LENGTH = 4;

    /** Thrown when a HELLO payload does not follow the format. */
    static final class MalformedHello extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedHello(String message) {
            super(message, null, false, false);
        }
    }

    int encodedLength() {
        return OPTION_HEADER_LENGTH + versions.length
            + OPTION_HEADER_LENGTH + 4
            + OPTION_HEADER_LENGTH + namesLength(security)
            + OPTION_HEADER_LENGTH + namesLength(compression)
            + (securityParameters.isEmpty() ? 0 : OPTION_HEADER_LENGTH + namesLength(securityParameters));
    }

    void encode(ByteBuffer b, int offset) {
        int o = offset;
        b.putShort(o, (short) OPTION_VERSIONS).putShort(o + 2, (short) versions.length);
        o += OPTION_HEADER_LENGTH;
        for (byte v : versions) {
            b.put(o++, v);
        }
        b.putShort(o, (short) OPTION_MAX_FRAME_LENGTH).putShort(o + 2, (short) 4).putInt(o + 4, maxFrameLength);
        o += OPTION_HEADER_LENGTH + 4;
        o = encodeNames(b, o, OPTION_SECURITY, security);
        o = encodeNames(b, o, OPTION_COMPRESSION, compression);
        if (!securityParameters.isEmpty()) {
            encodeNames(b, o, OPTION_SECURITY_PARAMETERS, securityParameters);
        }
    }

    static Hello decode(ByteBuffer b, int offset, int length) throws MalformedHello {
        byte[] versions = null;
        int maxFrameLength = -1;
        List<String> security = null;
        List<String> compression = List.of();
        boolean sawCompression = false;
        List<String> parameters = null;
        int end = offset + length;
        int o = offset;
        while (o < end) {
            if (end - o < OPTION_HEADER_LENGTH) {
                throw new MalformedHello("HELLO option header truncated at byte " + (o - offset));
            }
            int key = b.getShort(o) & 0xFFFF;
            int len = b.getShort(o + 2) & 0xFFFF;
            o += OPTION_HEADER_LENGTH;
            if (len > end - o) {
                throw new MalformedHello("HELLO option " + key + " claims " + len + " bytes, " + (end - o) + " left");
            }
            switch (key) {
                case OPTION_VERSIONS -> {
                    // An empty list is well-formed and offers nothing: negotiation refuses it (NEGOTIATION_FAILED),
                    // as it does an empty security list (PROTOCOL.md section 4).
                    if (versions != null) {
                        throw new MalformedHello("HELLO versions option repeated");
                    }
                    versions = new byte[len];
                    b.get(o, versions);
                }
                case OPTION_MAX_FRAME_LENGTH -> {
                    if (maxFrameLength != -1 || len != 4) {
                        throw new MalformedHello("HELLO max frame length option repeated or not 4 bytes");
                    }
                    maxFrameLength = b.getInt(o);
                    if (maxFrameLength < 0) {
                        throw new MalformedHello("HELLO max frame length is negative");
                    }
                }
                case OPTION_SECURITY -> {
                    if (security != null) {
                        throw new MalformedHello("HELLO security option repeated");
                    }
                    security = decodeNames(b, o, len);
                }
                case OPTION_COMPRESSION -> {
                    if (sawCompression) {
                        throw new MalformedHello("HELLO compression option repeated");
                    }
                    sawCompression = true;
                    compression = decodeNames(b, o, len);
                }
                case OPTION_SECURITY_PARAMETERS -> {
                    if (parameters != null) {
                        throw new MalformedHello("HELLO security parameters option repeated");
                    }
                    parameters = decodeNames(b, o, len);
                }
                default -> {
                    // Unknown options are skipped, so that later versions can add them; every occurrence, since
                    // this side cannot know whether a later version lets them repeat (PROTOCOL.md section 4).
                }
            }
            o += len;
        }
        if (versions == null || maxFrameLength == -1 || security == null) {
            throw new MalformedHello("HELLO lacks a required option (versions, max frame length, security)");
        }
        return new Hello(versions, maxFrameLength, security, compression, parameters == null ? List.of() : parameters);
    }

    boolean offersVersion(byte version) {
        for (byte v : versions) {
            if (v == version) {
                return true;
            }
        }
        return false;
    }

    private static int namesLength(List<String> names) {
        int n = 0;
        for (String s : names) {
            n += 1 + s.getBytes(StandardCharsets.US_ASCII).length;
        }
        return n;
    }

    private static int encodeNames(ByteBuffer b, int offset, int key, List<String> names) {
        b.putShort(offset, (short) key).putShort(offset + 2, (short) namesLength(names));
        int o = offset + OPTION_HEADER_LENGTH;
        for (String s : names) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            b.put(o, (byte) bytes.length);
            b.put(o + 1, bytes);
            o += 1 + bytes.length;
        }
        return o;
    }

    private static List<String> decodeNames(ByteBuffer b, int offset, int length) throws MalformedHello {
        List<String> names = new ArrayList<>();
        int o = offset;
        int end = offset + length;
        while (o < end) {
            int n = b.get(o) & 0xFF;
            if (n == 0 || n > end - o - 1) {
                throw new MalformedHello("HELLO name list has a bad length byte " + n);
            }
            byte[] bytes = new byte[n];
            b.get(o + 1, bytes);
            for (byte c : bytes) {
                if (c < 0x21 || c > 0x7E) {
                    throw new MalformedHello("HELLO name is not printable ASCII");
                }
            }
            names.add(new String(bytes, StandardCharsets.US_ASCII));
            o += 1 + n;
        }
        return names;
    }
}
