package dev.netproto.transport.tls;

import dev.netproto.api.ConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded, fixed TLS configuration: an {@link SSLContext} built from the material a {@link TlsConfig} names as
 * it was when {@link #load} read it, and the engine settings derived from it. Certificate changes on disk do not
 * reach it; {@link ReloadingTlsContext} builds a new one for them.
 *
 * <p>Immutable and thread-safe; {@link #newEngine} may be called from any thread.
 */
public final class TlsContext implements TlsEngineFactory {
    private static final Logger LOG = LoggerFactory.getLogger(TlsContext.class);
    private static final String[] ALPN = {TlsContexts.ALPN_PROTOCOL};
    private static final String HOSTNAME_VERIFICATION = "HTTPS";
    private static final byte[] KEY_PROBE = "netproto key/certificate match probe".getBytes(StandardCharsets.US_ASCII);

    private final TlsConfig config;
    private final TlsMaterial material;
    private final SSLContext sslContext;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final List<X509Certificate> certificateChain;

    private TlsContext(TlsConfig config, TlsMaterial material, SSLContext sslContext, String[] protocols,
                       String[] cipherSuites, List<X509Certificate> certificateChain) {
        this.config = config;
        this.material = material;
        this.sslContext = sslContext;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
        this.certificateChain = certificateChain;
    }

    /**
     * Reads the configured files and builds the context. Reads files: call it where blocking is allowed.
     *
     * @param config the settings
     * @return the context
     * @throws ConfigurationException if the material cannot be read or used, listing every problem with its key
     */
    public static TlsContext load(TlsConfig config) {
        return build(config, TlsMaterial.read(config));
    }

    static TlsContext build(TlsConfig config, TlsMaterial material) {
        List<String> problems = new ArrayList<>();
        Identity identity = identity(config, material, problems);
        TrustManager[] trustManagers = trustManagers(config, material, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        SSLContext sslContext;
        try {
            sslContext = SSLContext.getInstance("TLS");
            sslContext.init(identity.keyManagers(), trustManagers, null);
        } catch (GeneralSecurityException e) {
            throw new TlsException("cannot create a TLS context: " + e.getMessage(), e);
        }
        String[] protocols = config.protocols().toArray(String[]::new);
        String[] suites = cipherSuites(config, sslContext);
        warnIfNotCurrent(identity.chain());
        return new TlsContext(config, material, sslContext, protocols, suites, identity.chain());
    }

    @Override
    public SSLEngine newEngine(String peerHost, int peerPort) {
        boolean client = config.role() == TlsConfig.Role.CLIENT;
        String host = client && config.serverName() != null ? config.serverName() : peerHost;
        boolean verifyHost = client && config.hostnameVerification() && !config.pinsOnly();
        if (verifyHost && (host == null || host.isEmpty())) {
            throw new IllegalArgumentException("peerHost: a client that verifies host names needs the server's host"
                + " name (" + peerHost + ")");
        }
        // With a server name, the engine's peer host is that name: the JDK verifies the certificate against the
        // SNI name but falls back to the peer host, which must not widen what is accepted.
        SSLEngine engine = host == null ? sslContext.createSSLEngine() : sslContext.createSSLEngine(host, peerPort);
        // Client mode first: setting it later would reset the enabled protocols and suites to the JDK's defaults.
        engine.setUseClientMode(client);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols);
        parameters.setCipherSuites(cipherSuites);
        parameters.setApplicationProtocols(ALPN);
        if (client) {
            parameters.setEndpointIdentificationAlgorithm(verifyHost ? HOSTNAME_VERIFICATION : null);
            SNIHostName sni = sniHostName(host);
            parameters.setServerNames(sni == null ? List.of() : List.of(sni));
        } else {
            parameters.setUseCipherSuitesOrder(true);
            switch (config.clientAuth()) {
                case REQUIRE -> parameters.setNeedClientAuth(true);
                case OPTIONAL -> parameters.setWantClientAuth(true);
                case NONE -> parameters.setNeedClientAuth(false);
                default -> throw new IllegalStateException("unknown client auth " + config.clientAuth());
            }
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    @Override
    public TlsConfig config() {
        return config;
    }

    /**
     * Returns the JDK context engines are made from.
     *
     * @return the context; engines made directly from it lack this configuration's settings
     */
    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * Returns the certificate chain this side presents.
     *
     * @return the chain, this side's certificate first; empty for a client without a certificate
     */
    public List<X509Certificate> certificateChain() {
        return certificateChain;
    }

    /**
     * Returns the protocols engines enable.
     *
     * @return a subset of {@link TlsContexts#PROTOCOLS}
     */
    public List<String> protocols() {
        return List.of(protocols);
    }

    /**
     * Returns the cipher suites engines enable, in order of preference.
     *
     * @return a subset of {@link TlsContexts#ALLOWED_CIPHER_SUITES}
     */
    public List<String> cipherSuites() {
        return List.of(cipherSuites);
    }

    TlsMaterial material() {
        return material;
    }

    /** Describes the presented certificate for logs: subject, expiry and pin. */
    String describe() {
        if (certificateChain.isEmpty()) {
            return "no certificate";
        }
        X509Certificate leaf = certificateChain.get(0);
        return leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant() + ", "
            + TlsContexts.pin(leaf);
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            // Host names never contain a colon; IPv6 literals always do.
            return true;
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }

    private static SNIHostName sniHostName(String host) {
        if (host == null || isIpLiteral(host)) {
            // RFC 6066 section 3: literal IP addresses are not permitted in SNI.
            return null;
        }
        try {
            return new SNIHostName(host);
        } catch (IllegalArgumentException e) {
            // Not a DNS name SNI can carry (an underscore, say): connect without SNI; the host name is still verified.
            return null;
        }
    }

    private static String[] cipherSuites(TlsConfig config, SSLContext sslContext) {
        List<String> jdkEnabled = Arrays.asList(sslContext.getDefaultSSLParameters().getCipherSuites());
        List<String> suites = new ArrayList<>();
        if (config.cipherSuites().isEmpty()) {
            for (String suite : jdkEnabled) {
                if (TlsContexts.ALLOWED_CIPHER_SUITES.contains(suite)) {
                    suites.add(suite);
                }
            }
        } else {
            for (String suite : config.cipherSuites()) {
                if (jdkEnabled.contains(suite)) {
                    suites.add(suite);
                }
            }
        }
        if (suites.isEmpty()) {
            throw new ConfigurationException(TlsConfig.CIPHER_SUITES, "none of the allowed suites is enabled in this"
                + " JDK (see jdk.tls.disabledAlgorithms); JDK enables " + jdkEnabled + " ("
                + (config.cipherSuites().isEmpty() ? TlsContexts.ALLOWED_CIPHER_SUITES : config.cipherSuites()) + ")");
        }
        return suites.toArray(String[]::new);
    }

    private static Identity identity(TlsConfig config, TlsMaterial material, List<String> problems) {
        if (material.certificateChain() != null && material.privateKey() != null) {
            return pemIdentity(config, material, problems);
        }
        if (material.keyStore() != null) {
            return keyStoreIdentity(config, material, problems);
        }
        return new Identity(null, List.of());
    }

    private static Identity pemIdentity(TlsConfig config, TlsMaterial material, List<String> problems) {
        List<X509Certificate> chain = Pem.certificates(material.certificateChain(), TlsConfig.CERTIFICATE_CHAIN,
            config.certificateChain(), problems);
        PrivateKey key = Pem.privateKey(material.privateKey(), TlsConfig.PRIVATE_KEY, config.privateKey(), problems);
        if (chain.isEmpty() || key == null) {
            return new Identity(null, List.of());
        }
        if (!matches(key, chain.get(0).getPublicKey())) {
            problems.add(TlsConfig.PRIVATE_KEY + ": the key does not belong to the first certificate of "
                + TlsConfig.CERTIFICATE_CHAIN + " (" + chain.get(0).getSubjectX500Principal().getName() + ") ("
                + config.privateKey() + ")");
            return new Identity(null, List.of());
        }
        try {
            // The store lives only in memory, so its password protects nothing; KeyManagerFactory needs one.
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", key, password, chain.toArray(Certificate[]::new));
            return new Identity(keyManagers(store, password), chain);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException("cannot hold the key of " + config.privateKey() + " in memory: " + e.getMessage(),
                e);
        }
    }

    private static Identity keyStoreIdentity(TlsConfig config, TlsMaterial material, List<String> problems) {
        char[] password = config.keyStorePassword().toCharArray();
        KeyStore store = keyStore(material.keyStore(), password, TlsConfig.KEY_STORE, TlsConfig.KEY_STORE_PASSWORD,
            config.keyStore(), problems);
        if (store == null) {
            return new Identity(null, List.of());
        }
        try {
            List<X509Certificate> chain = null;
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificateChain(alias) != null) {
                    chain = x509(store.getCertificateChain(alias));
                    break;
                }
            }
            if (chain == null) {
                problems.add(TlsConfig.KEY_STORE + ": no private key entry with a certificate chain in the store ("
                    + config.keyStore() + ")");
                return new Identity(null, List.of());
            }
            return new Identity(keyManagers(store, password), chain);
        } catch (UnrecoverableKeyException e) {
            problems.add(TlsConfig.KEY_STORE_PASSWORD + ": cannot recover a key of the store with this password ("
                + config.keyStore() + ")");
            return new Identity(null, List.of());
        } catch (GeneralSecurityException e) {
            problems.add(TlsConfig.KEY_STORE + ": unusable key store: " + e.getMessage() + " (" + config.keyStore()
                + ")");
            return new Identity(null, List.of());
        }
    }

    private static KeyManager[] keyManagers(KeyStore store, char[] password) throws GeneralSecurityException {
        // PKIX (the JDK's NewSunX509) picks among several keys by type and SNI, and supports X509ExtendedKeyManager.
        KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    private static TrustManager[] trustManagers(TlsConfig config, TlsMaterial material, List<String> problems) {
        boolean client = config.role() == TlsConfig.Role.CLIENT;
        if (client && config.pinsOnly()) {
            return new TrustManager[] {new PinningTrustManager(null, config.pins())};
        }
        KeyStore anchors = trustAnchors(config, material, problems);
        if (anchors == null && (!client || material.trustCertificates() != null || material.trustStore() != null)) {
            // A server without trust material asks for no client certificates; a failed load is in problems.
            return null;
        }
        X509ExtendedTrustManager chainValidation = chainValidation(anchors);
        if (client && !config.pins().isEmpty()) {
            return new TrustManager[] {new PinningTrustManager(chainValidation, config.pins())};
        }
        return new TrustManager[] {chainValidation};
    }

    private static KeyStore trustAnchors(TlsConfig config, TlsMaterial material, List<String> problems) {
        if (material.trustCertificates() != null) {
            List<X509Certificate> certificates = Pem.certificates(material.trustCertificates(),
                TlsConfig.TRUST_CERTIFICATES, config.trustCertificates(), problems);
            if (certificates.isEmpty()) {
                return null;
            }
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < certificates.size(); i++) {
                    store.setCertificateEntry("ca-" + i, certificates.get(i));
                }
                return store;
            } catch (GeneralSecurityException | IOException e) {
                throw new TlsException("cannot hold the CA certificates of " + config.trustCertificates()
                    + " in memory: " + e.getMessage(), e);
            }
        }
        if (material.trustStore() != null) {
            char[] password = config.trustStorePassword() == null ? null : config.trustStorePassword().toCharArray();
            return keyStore(material.trustStore(), password, TlsConfig.TRUST_STORE, TlsConfig.TRUST_STORE_PASSWORD,
                config.trustStore(), problems);
        }
        return null;
    }

    private static X509ExtendedTrustManager chainValidation(KeyStore anchors) {
        try {
            // A null store means the JDK's default CAs (cacerts).
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return extended;
                }
            }
            throw new TlsException("the JDK's " + TrustManagerFactory.getDefaultAlgorithm() + " trust manager factory"
                + " made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException e) {
            throw new TlsException("cannot create a trust manager: " + e.getMessage(), e);
        }
    }

    private static KeyStore keyStore(byte[] bytes, char[] password, String key, String passwordKey, Path file,
                                     List<String> problems) {
        try {
            // The PKCS12 type also reads JKS files (keystore.type.compat, on by default since JDK 9).
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), password);
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                problems.add(passwordKey + ": wrong password for the store (" + file + ")");
            } else {
                problems.add(key + ": not a JKS or PKCS#12 store: " + e.getMessage() + " (" + file + ")");
            }
            return null;
        } catch (GeneralSecurityException e) {
            problems.add(key + ": unusable store: " + e.getMessage() + " (" + file + ")");
            return null;
        }
    }

    private static List<X509Certificate> x509(Certificate[] chain) {
        List<X509Certificate> certificates = new ArrayList<>(chain.length);
        for (Certificate certificate : chain) {
            certificates.add((X509Certificate) certificate);
        }
        return List.copyOf(certificates);
    }

    /** Tells whether a private key belongs to a public key, by signing a probe with one and checking with the other. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            // An algorithm this check does not know (RSASSA-PSS needs parameters): the handshake will tell.
            return true;
        }
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(KEY_PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(KEY_PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void warnIfNotCurrent(List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            return;
        }
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            LOG.warn("TLS certificate {} is not valid now (valid from {} to {}); peers will refuse it",
                leaf.getSubjectX500Principal().getName(), leaf.getNotBefore().toInstant(),
                leaf.getNotAfter().toInstant());
        }
    }

    /** This side's key managers ({@code null} for none) and the chain they present. */
    private record Identity(KeyManager[] keyManagers, List<X509Certificate> chain) {
    }
}
