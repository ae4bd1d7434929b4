package dev.netproto.transport.tls;

import dev.netproto.api.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SNIHostName;

/**
 * The validated, immutable TLS settings of one side of a connection. Start from {@link #server()} or
 * {@link #client()}. Building checks the settings and that every named file is readable, and reports every
 * problem at once as a {@link ConfigurationException} whose problems each name their key ({@code tls.private_key},
 * ...). Whether the files hold usable material (a parsable certificate, a key that matches it) is checked when
 * {@link TlsContexts#create(TlsConfig)} loads them, with the same keys.
 *
 * <p>A server presents either {@code certificate_chain} + {@code private_key} (PEM) or a {@code key_store} (JKS
 * or PKCS#12, detected from the content). It verifies client certificates against {@code trust_certificates}
 * (a PEM CA bundle) or a {@code trust_store} when {@code client_auth} is {@link ClientAuth#REQUIRE} or
 * {@link ClientAuth#OPTIONAL}. A client verifies the server's chain against {@code trust_certificates},
 * {@code trust_store} or, with neither, the JDK's default CAs; checks the server's host name (on by default);
 * sends SNI; optionally checks certificate {@code pins}; and presents a certificate of its own when one is
 * configured (mutual TLS).
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} does not show passwords.
 *
 * @param role                 whether these settings serve the accepting or the connecting side
 * @param certificateChain     {@code tls.certificate_chain}: PEM file with this side's certificate first, then
 *                             its intermediates; {@code null} for none
 * @param privateKey           {@code tls.private_key}: PEM file with the key of the first certificate, in PKCS#8
 *                             ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1
 *                             ({@code EC PRIVATE KEY}) form, unencrypted; {@code null} for none
 * @param keyStore             {@code tls.key_store}: JKS or PKCS#12 file holding this side's key and chain, instead
 *                             of the two PEM files; {@code null} for none
 * @param keyStorePassword     {@code tls.key_store_password}: the password of the key store and of its key entries
 * @param trustCertificates    {@code tls.trust_certificates}: PEM bundle of the CA certificates this side trusts;
 *                             {@code null} for none
 * @param trustStore           {@code tls.trust_store}: JKS or PKCS#12 file of trusted CA certificates, instead of
 *                             the PEM bundle; {@code null} for none
 * @param trustStorePassword   {@code tls.trust_store_password}: the trust store's password, {@code null} for none
 * @param clientAuth           {@code tls.client_auth}: whether a server asks for client certificates
 * @param hostnameVerification {@code tls.hostname_verification}: whether a client checks that the server's
 *                             certificate names the host it connects to (or {@code server_name}); ignored by
 *                             servers and when pins replace chain validation
 * @param serverName           {@code tls.server_name}: the host name a client sends in SNI and verifies, instead
 *                             of the host it connects to; {@code null} for that host
 * @param pins                 {@code tls.pins}: {@code sha256/<base64>} hashes of SubjectPublicKeyInfo; a client
 *                             accepts the server only if one of them matches a key of the server's chain; empty
 *                             for no pinning
 * @param pinsOnly             {@code tls.pins_only}: whether the pins replace chain and host-name validation (then
 *                             only the server's own key, the chain's first certificate, is compared)
 * @param protocols            {@code tls.protocols}: the enabled protocols, a subset of
 *                             {@link TlsContexts#PROTOCOLS}
 * @param cipherSuites         {@code tls.cipher_suites}: a subset of {@link TlsContexts#ALLOWED_CIPHER_SUITES} in
 *                             order of preference; empty for every allowed suite the JDK enables
 * @param requireAlpn          {@code tls.require_alpn}: whether a peer that negotiates no application protocol is
 *                             refused; a peer that negotiates another protocol than
 *                             {@value TlsContexts#ALPN_PROTOCOL} is always refused
 * @param reloadInterval       {@code tls.reload_interval}: how often at most the files are checked for changes,
 *                             when a new engine is created (see {@link ReloadingTlsContext}); zero turns
 *                             reloading off
 */
public record TlsConfig(Role role, Path certificateChain, Path privateKey, Path keyStore, String keyStorePassword,
                        Path trustCertificates, Path trustStore, String trustStorePassword, ClientAuth clientAuth,
                        boolean hostnameVerification, String serverName, List<String> pins, boolean pinsOnly,
                        List<String> protocols, List<String> cipherSuites, boolean requireAlpn,
                        Duration reloadInterval) {

    static final String CERTIFICATE_CHAIN = "tls.certificate_chain";
    static final String PRIVATE_KEY = "tls.private_key";
    static final String KEY_STORE = "tls.key_store";
    static final String KEY_STORE_PASSWORD = "tls.key_store_password";
    static final String TRUST_CERTIFICATES = "tls.trust_certificates";
    static final String TRUST_STORE = "tls.trust_store";
    static final String TRUST_STORE_PASSWORD = "tls.trust_store_password";
    static final String CLIENT_AUTH = "tls.client_auth";
    static final String SERVER_NAME = "tls.server_name";
    static final String PINS = "tls.pins";
    static final String PINS_ONLY = "tls.pins_only";
    static final String PROTOCOLS = "tls.protocols";
    static final String CIPHER_SUITES = "tls.cipher_suites";
    static final String RELOAD_INTERVAL = "tls.reload_interval";

    /** The prefix of a certificate pin, naming its hash as HPKP (RFC 7469) does. */
    static final String PIN_PREFIX = "sha256/";
    private static final int SHA256_LENGTH = 32;

    /** Which side of a connection a configuration serves. */
    public enum Role {
        /** The accepting side: presents a certificate, may ask for the client's. */
        SERVER,
        /** The connecting side: verifies the server, may present a certificate. */
        CLIENT
    }

    /** Whether a server asks connecting clients for a certificate. */
    public enum ClientAuth {
        /** A client must present a certificate that chains to a trusted CA, or the handshake fails. */
        REQUIRE,
        /** A client is asked for a certificate; one it presents must be valid, but it may present none. */
        OPTIONAL,
        /** Clients are not asked for a certificate. */
        NONE
    }

    /**
     * Validates the settings, reporting every problem at once.
     *
     * @param role                 server or client
     * @param certificateChain     PEM chain, or {@code null}
     * @param privateKey           PEM key, or {@code null}
     * @param keyStore             key store, or {@code null}
     * @param keyStorePassword     key store password, or {@code null}
     * @param trustCertificates    PEM CA bundle, or {@code null}
     * @param trustStore           trust store, or {@code null}
     * @param trustStorePassword   trust store password, or {@code null}
     * @param clientAuth           client certificate policy
     * @param hostnameVerification whether clients verify the host name
     * @param serverName           SNI host name, or {@code null}
     * @param pins                 certificate pins
     * @param pinsOnly             whether pins replace chain validation
     * @param protocols            enabled protocols
     * @param cipherSuites         enabled suites, empty for all allowed
     * @param requireAlpn          whether ALPN is mandatory
     * @param reloadInterval       reload check interval, zero for none
     */
    public TlsConfig {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(clientAuth, "clientAuth");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        pins = List.copyOf(pins);
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        List<String> problems = new ArrayList<>();
        checkOwnCertificate(role, certificateChain, privateKey, keyStore, keyStorePassword, problems);
        checkTrust(role, trustCertificates, trustStore, clientAuth, pinsOnly, problems);
        if (role == Role.SERVER) {
            checkServerOnly(serverName, pins, pinsOnly, problems);
        } else {
            checkClientOnly(clientAuth, serverName, pins, pinsOnly, problems);
        }
        checkProtocols(protocols, cipherSuites, problems);
        if (reloadInterval.isNegative()) {
            problems.add(RELOAD_INTERVAL + ": must not be negative (" + reloadInterval + ")");
        }
        checkReadable(CERTIFICATE_CHAIN, certificateChain, problems);
        checkReadable(PRIVATE_KEY, privateKey, problems);
        checkReadable(KEY_STORE, keyStore, problems);
        checkReadable(TRUST_CERTIFICATES, trustCertificates, problems);
        checkReadable(TRUST_STORE, trustStore, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Starts building a server's settings: no client certificates asked, both protocols, every allowed suite,
     * ALPN required, files checked for changes at most every 10 seconds.
     *
     * @return a new builder
     */
    public static Builder server() {
        return new Builder(Role.SERVER);
    }

    /**
     * Starts building a client's settings: the JDK's default CAs, host-name verification on, no pins, both
     * protocols, every allowed suite, ALPN required, files checked for changes at most every 10 seconds.
     *
     * @return a new builder
     */
    public static Builder client() {
        return new Builder(Role.CLIENT);
    }

    /**
     * Returns the files this configuration reads, in a fixed order; the ones {@link ReloadingTlsContext} watches.
     *
     * @return the configured files, possibly empty
     */
    public List<Path> files() {
        List<Path> files = new ArrayList<>(4);
        for (Path file : Arrays.asList(certificateChain, privateKey, keyStore, trustCertificates, trustStore)) {
            if (file != null) {
                files.add(file);
            }
        }
        return List.copyOf(files);
    }

    /**
     * Describes the settings without the passwords.
     *
     * @return a description for logs
     */
    @Override
    public String toString() {
        return "TlsConfig[role=" + role + ", certificateChain=" + certificateChain + ", privateKey=" + privateKey
            + ", keyStore=" + keyStore + ", keyStorePassword=" + redacted(keyStorePassword)
            + ", trustCertificates=" + trustCertificates + ", trustStore=" + trustStore
            + ", trustStorePassword=" + redacted(trustStorePassword) + ", clientAuth=" + clientAuth
            + ", hostnameVerification=" + hostnameVerification + ", serverName=" + serverName + ", pins=" + pins
            + ", pinsOnly=" + pinsOnly + ", protocols=" + protocols + ", cipherSuites=" + cipherSuites
            + ", requireAlpn=" + requireAlpn + ", reloadInterval=" + reloadInterval + "]";
    }

    private static String redacted(String password) {
        return password == null ? "null" : "***";
    }

    private static void checkOwnCertificate(Role role, Path certificateChain, Path privateKey, Path keyStore,
                                            String keyStorePassword, List<String> problems) {
        boolean pem = certificateChain != null || privateKey != null;
        if (keyStore != null && pem) {
            problems.add(KEY_STORE + ": set either key_store or certificate_chain and private_key, not both ("
                + keyStore + ")");
        }
        if (certificateChain != null && privateKey == null) {
            problems.add(PRIVATE_KEY + ": required with certificate_chain (" + certificateChain + ")");
        }
        if (privateKey != null && certificateChain == null) {
            problems.add(CERTIFICATE_CHAIN + ": required with private_key (" + privateKey + ")");
        }
        if (role == Role.SERVER && keyStore == null && !pem) {
            problems.add(CERTIFICATE_CHAIN + ": a server needs certificate_chain and private_key, or key_store");
        }
        if (keyStore != null && keyStorePassword == null) {
            problems.add(KEY_STORE_PASSWORD + ": required with key_store (" + keyStore + ")");
        }
    }

    private static void checkTrust(Role role, Path trustCertificates, Path trustStore, ClientAuth clientAuth,
                                   boolean pinsOnly, List<String> problems) {
        boolean trust = trustCertificates != null || trustStore != null;
        if (trustCertificates != null && trustStore != null) {
            problems.add(TRUST_STORE + ": set either trust_store or trust_certificates, not both (" + trustStore
                + ")");
        }
        if (role == Role.SERVER && clientAuth != ClientAuth.NONE && !trust) {
            // The JDK's default CAs are public web CAs: trusting them for client certificates would let anyone
            // with a web certificate in.
            problems.add(CLIENT_AUTH + ": " + clientAuth
                + " needs trust_certificates or trust_store to verify client certificates");
        }
        if (role == Role.CLIENT && pinsOnly && trust) {
            problems.add(PINS_ONLY + ": trust_certificates and trust_store are not used when pins replace chain"
                + " validation; remove them or set pins_only = false");
        }
    }

    private static void checkServerOnly(String serverName, List<String> pins, boolean pinsOnly,
                                        List<String> problems) {
        if (serverName != null) {
            problems.add(SERVER_NAME + ": only clients send a server name (" + serverName + ")");
        }
        if (!pins.isEmpty() || pinsOnly) {
            problems.add(PINS + ": only clients check certificate pins (" + pins + ")");
        }
    }

    private static void checkClientOnly(ClientAuth clientAuth, String serverName, List<String> pins,
                                        boolean pinsOnly, List<String> problems) {
        if (clientAuth != ClientAuth.NONE) {
            problems.add(CLIENT_AUTH + ": only servers ask for client certificates (" + clientAuth + ")");
        }
        if (serverName != null) {
            checkServerName(serverName, problems);
        }
        for (String pin : pins) {
            if (!isPin(pin)) {
                problems.add(PINS + ": not a pin of the form sha256/<base64 of 32 bytes> (" + pin + ")");
            }
        }
        if (pinsOnly && pins.isEmpty()) {
            problems.add(PINS_ONLY + ": needs at least one pin in " + PINS);
        }
    }

    private static void checkServerName(String serverName, List<String> problems) {
        if (TlsContext.isIpLiteral(serverName)) {
            problems.add(SERVER_NAME + ": must be a host name, not an IP address (RFC 6066) (" + serverName + ")");
            return;
        }
        try {
            new SNIHostName(serverName);
        } catch (IllegalArgumentException e) {
            problems.add(SERVER_NAME + ": not a valid host name: " + e.getMessage() + " (" + serverName + ")");
        }
    }

    static boolean isPin(String pin) {
        if (pin == null || !pin.startsWith(PIN_PREFIX)) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(pin.substring(PIN_PREFIX.length())).length == SHA256_LENGTH;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void checkProtocols(List<String> protocols, List<String> cipherSuites, List<String> problems) {
        if (protocols.isEmpty()) {
            problems.add(PROTOCOLS + ": must name at least one of " + TlsContexts.PROTOCOLS);
        }
        for (String protocol : protocols) {
            if (!TlsContexts.PROTOCOLS.contains(protocol)) {
                problems.add(PROTOCOLS + ": only " + TlsContexts.PROTOCOLS + " are allowed (" + protocol + ")");
            }
        }
        boolean tls13Suite = false;
        boolean tls12Suite = false;
        for (String suite : cipherSuites) {
            if (!TlsContexts.ALLOWED_CIPHER_SUITES.contains(suite)) {
                problems.add(CIPHER_SUITES + ": not an allowed suite, only ECDHE with AEAD on TLS 1.2 and the TLS 1.3"
                    + " suites are (" + suite + ")");
            } else if (TlsContexts.TLS13_CIPHER_SUITES.contains(suite)) {
                tls13Suite = true;
            } else {
                tls12Suite = true;
            }
        }
        if (!cipherSuites.isEmpty()) {
            boolean usable = protocols.contains(TlsContexts.TLS_V13) && tls13Suite
                || protocols.contains(TlsContexts.TLS_V12) && tls12Suite;
            if (!usable && (tls13Suite || tls12Suite)) {
                problems.add(CIPHER_SUITES + ": no suite usable with the enabled protocols " + protocols + " ("
                    + cipherSuites + ")");
            }
        }
    }

    private static void checkReadable(String key, Path file, List<String> problems) {
        if (file != null && !Files.isReadable(file)) {
            problems.add(key + ": " + (Files.exists(file) ? "file is not readable" : "file not found") + " ("
                + file + ")");
        }
    }

    /** Builds {@link TlsConfig}; not thread-safe. */
    public static final class Builder {
        private final Role role;
        private Path certificateChain;
        private Path privateKey;
        private Path keyStore;
        private String keyStorePassword;
        private Path trustCertificates;
        private Path trustStore;
        private String trustStorePassword;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private boolean hostnameVerification = true;
        private String serverName;
        private List<String> pins = List.of();
        private boolean pinsOnly;
        private List<String> protocols = TlsContexts.PROTOCOLS;
        private List<String> cipherSuites = List.of();
        private boolean requireAlpn = true;
        private Duration reloadInterval = Duration.ofSeconds(10);

        private Builder(Role role) {
            this.role = role;
        }

        /**
         * Sets this side's certificate chain and its private key, both PEM files.
         *
         * @param chain the certificate first, then its intermediates
         * @param key   the certificate's key in PKCS#8, PKCS#1 or SEC1 form, unencrypted
         * @return this builder
         */
        public Builder certificate(Path chain, Path key) {
            this.certificateChain = chain;
            this.privateKey = key;
            return this;
        }

        /**
         * Sets a JKS or PKCS#12 key store holding this side's key and chain, instead of PEM files.
         *
         * @param file     the key store
         * @param password its password, also the password of its key entries
         * @return this builder
         */
        public Builder keyStore(Path file, String password) {
            this.keyStore = file;
            this.keyStorePassword = password;
            return this;
        }

        /**
         * Sets the PEM bundle of trusted CA certificates.
         *
         * @param file the bundle
         * @return this builder
         */
        public Builder trustCertificates(Path file) {
            this.trustCertificates = file;
            return this;
        }

        /**
         * Sets a JKS or PKCS#12 trust store, instead of a PEM bundle.
         *
         * @param file     the trust store
         * @param password its password, or {@code null} for none
         * @return this builder
         */
        public Builder trustStore(Path file, String password) {
            this.trustStore = file;
            this.trustStorePassword = password;
            return this;
        }

        /**
         * Sets whether a server asks for client certificates.
         *
         * @param mode the policy
         * @return this builder
         */
        public Builder clientAuth(ClientAuth mode) {
            this.clientAuth = mode;
            return this;
        }

        /**
         * Sets whether a client checks that the server's certificate names the host it connects to.
         *
         * @param enabled {@code true} by default
         * @return this builder
         */
        public Builder hostnameVerification(boolean enabled) {
            this.hostnameVerification = enabled;
            return this;
        }

        /**
         * Sets the host name a client sends in SNI and verifies, instead of the host it connects to.
         *
         * @param name a DNS host name
         * @return this builder
         */
        public Builder serverName(String name) {
            this.serverName = name;
            return this;
        }

        /**
         * Sets the certificate pins a client checks.
         *
         * @param sha256Pins pins of the form {@code sha256/<base64>}
         * @return this builder
         */
        public Builder pins(String... sha256Pins) {
            this.pins = List.of(sha256Pins);
            return this;
        }

        /**
         * Sets the certificate pins a client checks.
         *
         * @param sha256Pins pins of the form {@code sha256/<base64>}
         * @return this builder
         */
        public Builder pins(List<String> sha256Pins) {
            this.pins = sha256Pins;
            return this;
        }

        /**
         * Sets whether pins replace chain and host-name validation instead of adding to them.
         *
         * @param only {@code false} by default
         * @return this builder
         */
        public Builder pinsOnly(boolean only) {
            this.pinsOnly = only;
            return this;
        }

        /**
         * Restricts the protocols.
         *
         * @param names a subset of {@link TlsContexts#PROTOCOLS}
         * @return this builder
         */
        public Builder protocols(String... names) {
            this.protocols = List.of(names);
            return this;
        }

        /**
         * Restricts the cipher suites.
         *
         * @param names a subset of {@link TlsContexts#ALLOWED_CIPHER_SUITES}, in order of preference
         * @return this builder
         */
        public Builder cipherSuites(String... names) {
            this.cipherSuites = List.of(names);
            return this;
        }

        /**
         * Sets whether a peer that negotiates no application protocol is refused.
         *
         * @param required {@code true} by default
         * @return this builder
         */
        public Builder requireAlpn(boolean required) {
            this.requireAlpn = required;
            return this;
        }

        /**
         * Sets how often at most the files are checked for changes.
         *
         * @param interval zero turns reloading off
         * @return this builder
         */
        public Builder reloadInterval(Duration interval) {
            this.reloadInterval = interval;
            return this;
        }

        /**
         * Validates and builds the settings.
         *
         * @return the settings
         * @throws ConfigurationException listing every problem, each naming its key
         */
        public TlsConfig build() {
            return new TlsConfig(role, certificateChain, privateKey, keyStore, keyStorePassword, trustCertificates,
                trustStore, trustStorePassword, clientAuth, hostnameVerification, serverName, pins, pinsOnly,
                protocols, cipherSuites, requireAlpn, reloadInterval);
        }
    }
}
