package dev.netproto.core;

import static dev.netproto.core.FrameDescriptor.VERSION;

import dev.netproto.api.Limits;
import dev.netproto.api.spi.CompressionProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The HELLO rules of docs/PROTOCOL.md section 4, without I/O: what a client offers, whether a peer's HELLO is
 * acceptable, and which compression the server chooses. The security mechanism's own parameters are its
 * session's to negotiate ({@link dev.netproto.api.spi.SecuritySession#choose}).
 *
 * <p>Immutable; one per server or client, shared by its connections on every loop.
 */
final class HelloNegotiator {
    private final int maxFrameLength;
    private final String security;
    private final CompressionProvider[] compressors;
    private final List<String> compressionNames;

    /**
     * @param maxFrameLength the largest payload this side accepts
     * @param security       the one security mechanism this side requires
     * @param compressors    the compression this side has, in preference order
     */
    HelloNegotiator(int maxFrameLength, String security, CompressionProvider[] compressors) {
        this.maxFrameLength = maxFrameLength;
        this.security = security;
        this.compressors = compressors.clone();
        List<String> names = new ArrayList<>(compressors.length);
        for (CompressionProvider p : compressors) {
            names.add(p.name());
        }
        this.compressionNames = List.copyOf(names);
    }

    /** The client's HELLO: every version it speaks, its security, all its compression. */
    Hello offer(List<String> securityParameters) {
        return new Hello(new byte[] {VERSION}, maxFrameLength, List.of(security), compressionNames,
            securityParameters);
    }

    /** The server's answer: the version, its security, the chosen compression (or none). */
    Hello answer(CompressionProvider chosen, List<String> securityParameters) {
        return new Hello(new byte[] {VERSION}, maxFrameLength, List.of(security),
            chosen == null ? List.of() : List.of(chosen.name()), securityParameters);
    }

    /**
     * Checks a peer's HELLO.
     *
     * @param hello  what the peer sent
     * @param client whether this side is the client (checking the server's answer)
     * @return null when it is acceptable, else the reason for NEGOTIATION_FAILED, naming both sides' values
     */
    String check(Hello hello, boolean client) {
        if (!hello.offersVersion(VERSION)) {
            return "no common protocol version: peer offers " + Arrays.toString(hello.versions())
                + ", this side speaks [" + VERSION + "]";
        }
        if (client && hello.versions().length != 1) {
            return "server answered HELLO with " + hello.versions().length + " versions instead of one";
        }
        boolean securityOk = client ? hello.security().equals(List.of(security)) : hello.security().contains(security);
        if (!securityOk) {
            return "no common security: peer " + (client ? "chose " : "offers ") + hello.security()
                + ", this side requires '" + security + "'";
        }
        if (client && (hello.compression().size() > 1
            || hello.compression().size() == 1 && !compressionNames.contains(hello.compression().get(0)))) {
            return "server chose compression " + hello.compression() + ", this side offered " + compressionNames;
        }
        int max = hello.maxFrameLength();
        if (max < Limits.MIN_FRAME_LENGTH || max > Limits.MAX_FRAME_LENGTH_CAP) {
            return "peer's maximum frame length " + max + " is outside " + Limits.MIN_FRAME_LENGTH + ".."
                + Limits.MAX_FRAME_LENGTH_CAP;
        }
        return null;
    }

    /** Server: the client's first preference that this side has. Client: the server's (checked) choice. */
    CompressionProvider chooseCompression(List<String> peerNames) {
        for (String name : peerNames) {
            for (CompressionProvider p : compressors) {
                if (p.name().equals(name)) {
                    return p;
                }
            }
        }
        return null;
    }
}
