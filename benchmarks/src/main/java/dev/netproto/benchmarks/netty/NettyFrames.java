package dev.netproto.benchmarks.netty;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;

/**
 * The frame the Netty baseline speaks: a 16-byte header laid out like netproto's (docs/PROTOCOL.md section 2:
 * magic {@code NP}, version 1, type, flags, reserved, request id, then a signed 32-bit big-endian length at
 * offset 12) followed by {@code length} bytes of body. There is no HELLO and no routing: the server echoes each
 * frame unchanged, and responses come back in request order, so the client matches them by position.
 */
final class NettyFrames {
    /** Header bytes before the body. */
    static final int HEADER = 16;
    /** Offset of the length field in the header. */
    static final int LENGTH_OFFSET = 12;
    /** Largest body accepted: netproto's hard cap, 16 MiB. */
    static final int MAX_BODY = 16 * 1024 * 1024;

    private static final short MAGIC = 0x4E50;
    private static final byte VERSION = 1;
    /** netproto's REQUEST type code. */
    private static final byte TYPE_REQUEST = 4;

    private NettyFrames() {
    }

    /**
     * Returns a new decoder that cuts the stream into whole frames (header included).
     *
     * @return the decoder, one per channel
     */
    static LengthFieldBasedFrameDecoder decoder() {
        return new LengthFieldBasedFrameDecoder(HEADER + MAX_BODY, LENGTH_OFFSET, 4, 0, 0);
    }

    /**
     * Writes a request header for a body of {@code length} bytes.
     *
     * @param out       where to write
     * @param requestId the request id, non-zero
     * @param length    the body length
     */
    static void writeHeader(ByteBuf out, int requestId, int length) {
        out.writeShort(MAGIC).writeByte(VERSION).writeByte(TYPE_REQUEST).writeInt(0).writeInt(requestId)
            .writeInt(length);
    }

    /**
     * Parses {@code host:port}, also accepting a {@code tcp://} prefix.
     *
     * @param text such as {@code 127.0.0.1:7800}
     * @return the unresolved address
     */
    static InetSocketAddress parseAddress(String text) {
        String rest = text.startsWith("tcp://") ? text.substring("tcp://".length()) : text;
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got " + text);
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(rest.substring(colon + 1)));
    }

    /**
     * Returns the server side of the TLS baseline: TLS 1.3 only, the JDK's {@code SSLEngine} (as ours uses), no
     * client authentication.
     *
     * @param certificateChain PEM certificate chain
     * @param privateKey       PEM PKCS#8 key
     * @return the context
     */
    static SslContext serverTls(String certificateChain, String privateKey) {
        try {
            return SslContextBuilder.forServer(new File(certificateChain), new File(privateKey))
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot load " + certificateChain + " / " + privateKey, e);
        }
    }

    /**
     * Returns the client side of the TLS baseline: TLS 1.3 only, the JDK's engine, trusting the given CAs.
     *
     * @param caCertificates PEM CA bundle
     * @return the context
     */
    static SslContext clientTls(String caCertificates) {
        try {
            return SslContextBuilder.forClient().trustManager(new File(caCertificates))
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot load " + caCertificates, e);
        }
    }
}
