package dev.netproto.transport.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLEngine;

/**
 * Builds the {@link TlsEngineFactory} of a {@link TlsConfig}, and holds the TLS policy every engine follows.
 *
 * <p><b>Protocols.</b> Only TLS 1.3 and TLS 1.2 ({@link #PROTOCOLS}); the JDK's own policy already refuses older
 * ones, and the list here keeps them off even where {@code jdk.tls.disabledAlgorithms} was relaxed.
 *
 * <p><b>Cipher suites.</b> Engines enable the JDK's enabled suites that are in {@link #ALLOWED_CIPHER_SUITES}, in
 * the JDK's order of preference (or the configured subset, in its order), and servers apply their own order.
 * Allowed are:
 * <ul>
 *   <li>the three TLS 1.3 suites, all AEAD, whose key exchange is always ephemeral (EC)DHE;</li>
 *   <li>on TLS 1.2, ECDHE key exchange with an AEAD cipher, for ECDSA and RSA certificates:
 *       {@code TLS_ECDHE_{ECDSA,RSA}_WITH_AES_256_GCM_SHA384}, {@code ..._AES_128_GCM_SHA256},
 *       {@code ..._CHACHA20_POLY1305_SHA256}.</li>
 * </ul>
 * Left out on purpose: RSA key exchange (no forward secrecy), finite-field DHE (slow, and weak with small or
 * attacker-chosen groups; the issue asks for ECDHE), CBC suites (MAC-then-encrypt, the Lucky Thirteen family of
 * padding oracles), and everything older that the JDK disables anyway (RC4, 3DES, NULL, anonymous).
 *
 * <p><b>ALPN.</b> Engines advertise {@value #ALPN_PROTOCOL} and nothing else;
 * {@link TlsEngineFactory#checkApplicationProtocol(SSLEngine)} checks the outcome after the handshake.
 */
public final class TlsContexts {

    /** The application protocol (ALPN, RFC 7301) netproto advertises and requires. */
    public static final String ALPN_PROTOCOL = "netproto/1";

    /** The name of TLS 1.3 in the JDK. */
    public static final String TLS_V13 = "TLSv1.3";

    /** The name of TLS 1.2 in the JDK. */
    public static final String TLS_V12 = "TLSv1.2";

    /** The protocols engines may enable, newest first. */
    public static final List<String> PROTOCOLS = List.of(TLS_V13, TLS_V12);

    /** The TLS 1.3 suites: every one is AEAD with ephemeral key exchange. */
    public static final List<String> TLS13_CIPHER_SUITES = List.of(
        "TLS_AES_256_GCM_SHA384",
        "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256");

    /** The TLS 1.2 suites allowed: ECDHE key exchange with an AEAD cipher. */
    public static final List<String> TLS12_CIPHER_SUITES = List.of(
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** Every suite an engine may enable: {@link #TLS13_CIPHER_SUITES} then {@link #TLS12_CIPHER_SUITES}. */
    public static final List<String> ALLOWED_CIPHER_SUITES = concat(TLS13_CIPHER_SUITES, TLS12_CIPHER_SUITES);

    private TlsContexts() {
    }

    /**
     * Loads the configured material and returns the engine factory for it: a {@link ReloadingTlsContext} when
     * {@link TlsConfig#reloadInterval()} is positive and the configuration names files, otherwise a fixed
     * {@link TlsContext}. Reads files; call it where blocking is allowed, such as at start.
     *
     * @param config the settings
     * @return the factory of configured engines
     * @throws dev.netproto.api.ConfigurationException if the material cannot be read or used, listing every
     *                                                 problem with its key
     */
    public static TlsEngineFactory create(TlsConfig config) {
        if (config.reloadInterval().isZero() || config.files().isEmpty()) {
            return TlsContext.load(config);
        }
        return ReloadingTlsContext.load(config);
    }

    /**
     * Returns the pin of a certificate's public key: {@code sha256/} and the base64 of the SHA-256 of its
     * DER-encoded SubjectPublicKeyInfo, as in HPKP (RFC 7469) and {@code openssl x509 -pubkey | openssl pkey
     * -pubin -outform der | openssl dgst -sha256 -binary | base64}.
     *
     * @param certificate the certificate
     * @return the pin, such as {@code sha256/AbC...=}
     */
    public static String pin(X509Certificate certificate) {
        try {
            // PublicKey.getEncoded() of an X.509 key is the SubjectPublicKeyInfo DER.
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
            return TlsConfig.PIN_PREFIX + Base64.getEncoder().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new TlsException("SHA-256 is not available", e);
        }
    }

    /**
     * Checks, after the handshake, that the peer negotiated {@value #ALPN_PROTOCOL}.
     *
     * @param engine      an engine whose handshake has finished
     * @param requireAlpn whether a peer that negotiated no application protocol is refused
     * @throws TlsException naming the peer and the protocol it negotiated, if it is refused
     * @throws IllegalStateException if the handshake has not finished
     */
    public static void checkApplicationProtocol(SSLEngine engine, boolean requireAlpn) {
        String negotiated = engine.getApplicationProtocol();
        if (negotiated == null) {
            throw new IllegalStateException("the TLS handshake with " + peer(engine) + " has not finished");
        }
        if (negotiated.isEmpty()) {
            if (requireAlpn) {
                throw new TlsException("TLS peer " + peer(engine) + " negotiated no application protocol (ALPN);"
                    + " expected " + ALPN_PROTOCOL + " (the peer is not a netproto endpoint, or"
                    + " set tls.require_alpn = false to accept peers without ALPN)");
            }
            return;
        }
        if (!ALPN_PROTOCOL.equals(negotiated)) {
            throw new TlsException("TLS peer " + peer(engine) + " negotiated application protocol '" + negotiated
                + "', expected '" + ALPN_PROTOCOL + "'");
        }
    }

    static String peer(SSLEngine engine) {
        String host = engine.getPeerHost();
        if (host == null) {
            return "(unknown peer)";
        }
        return engine.getPeerPort() < 0 ? host : host + ":" + engine.getPeerPort();
    }

    private static List<String> concat(List<String> first, List<String> second) {
        String[] all = new String[first.size() + second.size()];
        for (int i = 0; i < first.size(); i++) {
            all[i] = first.get(i);
        }
        for (int i = 0; i < second.size(); i++) {
            all[first.size() + i] = second.get(i);
        }
        return List.of(all);
    }
}
