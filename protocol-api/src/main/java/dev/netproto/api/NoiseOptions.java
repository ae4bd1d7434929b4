package dev.netproto.api;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings of Noise sessions ({@link Security#noise(NoiseOptions)}): this side's static key, which peers it
 * accepts, the cipher functions it offers, when it rekeys, and how far a handshake's timestamp may be from the
 * server's clock.
 *
 * <p><b>Handshakes.</b> A client with an {@link #identity()} runs {@code Noise_XX_25519_<cipher>_SHA256}, which
 * authenticates both sides; a client without one runs {@code Noise_NK_25519_<cipher>_SHA256}, which
 * authenticates only the server, whose key the client must then {@linkplain #serverKey() know in advance}. A
 * server always has an identity and accepts NK only when it lets {@linkplain #allowAnyClient() any client} in.
 *
 * <p><b>Who is accepted.</b> Nobody by default: a server needs {@link Builder#authorizedKeys} or
 * {@link Builder#allowAnyClient()}, and a client needs {@link Builder#serverKey} or
 * {@link Builder#trustAnyServer()}, so that an unauthenticated peer is always a deliberate choice. A refused key
 * closes the connection with {@link ErrorCode#PEER_NOT_AUTHORIZED} and is logged with its fingerprint.
 *
 * @param identity          this side's static key pair; required for servers, optional for clients (NK without)
 * @param authorizedKeys    servers: the client keys let in; {@code null} with {@code allowAnyClient}
 * @param allowAnyClient    servers: let in any client that completes the handshake (clients are then encrypted
 *                          but anonymous)
 * @param serverKey         clients: the server's public key (pinning); {@code null} with {@code trustAnyServer}
 * @param trustAnyServer    clients: accept any server key (encrypted, but open to a man in the middle)
 * @param ciphers           the cipher functions offered or accepted, in preference order: {@code ChaChaPoly},
 *                          {@code AESGCM}
 * @param rekeyAfterMessages rekey each direction after this many sealed frames of any type under one key
 * @param rekeyAfterBytes   rekey each direction once the frames sealed under one key reach this many payload bytes
 * @param replayWindow      servers: how far a client's handshake timestamp may be from this side's clock; a
 *                          stateless check (nothing is remembered per handshake), see docs/PROTOCOL.md section 8
 * @param clock             the wall clock of handshake timestamps
 */
public record NoiseOptions(NoiseIdentity identity, AuthorizedKeys authorizedKeys, boolean allowAnyClient,
                           NoisePublicKey serverKey, boolean trustAnyServer, List<String> ciphers,
                           long rekeyAfterMessages, long rekeyAfterBytes, Duration replayWindow,
                           InstantSource clock) {
    /**
     * The cipher function names, in the default preference order: AES-GCM first, since the JDK runs it with
     * AES-NI several times faster than ChaCha20-Poly1305 on x86 servers (docs/PERFORMANCE.md, NoiseBenchmark);
     * put {@code ChaChaPoly} first on CPUs without AES instructions.
     */
    public static final List<String> CIPHERS = List.of("AESGCM", "ChaChaPoly");
    /** Default: rekey after 2^20 frames per direction. */
    public static final long DEFAULT_REKEY_AFTER_MESSAGES = 1L << 20;
    /** Default: rekey after 1 GiB per direction. */
    public static final long DEFAULT_REKEY_AFTER_BYTES = 1L << 30;
    /** Default replay window: a minute either side of the server's clock. */
    public static final Duration DEFAULT_REPLAY_WINDOW = Duration.ofMinutes(1);

    /**
     * Validates the options, reporting every problem at once.
     *
     * @param identity           static key pair, or {@code null}
     * @param authorizedKeys     accepted client keys, or {@code null}
     * @param allowAnyClient     whether any client key is accepted
     * @param serverKey          pinned server key, or {@code null}
     * @param trustAnyServer     whether any server key is accepted
     * @param ciphers            cipher functions in preference order
     * @param rekeyAfterMessages frames per key, positive
     * @param rekeyAfterBytes    bytes per key, positive
     * @param replayWindow       handshake timestamp window, positive and at most a day
     * @param clock              wall clock
     */
    public NoiseOptions {
        Objects.requireNonNull(ciphers, "ciphers");
        Objects.requireNonNull(replayWindow, "replayWindow");
        Objects.requireNonNull(clock, "clock");
        ciphers = List.copyOf(ciphers);
        List<String> problems = new ArrayList<>();
        if (ciphers.isEmpty()) {
            problems.add("noise.ciphers: at least one of " + CIPHERS + " is required");
        }
        for (String c : ciphers) {
            if (!CIPHERS.contains(c)) {
                problems.add("noise.ciphers: unknown cipher '" + c + "'; known: " + CIPHERS);
            }
        }
        if (rekeyAfterMessages < 1) {
            problems.add("noise.rekey_after_messages: must be >= 1 (" + rekeyAfterMessages + ")");
        }
        if (rekeyAfterBytes < 1) {
            problems.add("noise.rekey_after_bytes: must be >= 1 (" + rekeyAfterBytes + ")");
        }
        if (replayWindow.isNegative() || replayWindow.isZero() || replayWindow.compareTo(Duration.ofDays(1)) > 0) {
            problems.add("noise.replay_window: must be positive and at most a day (" + replayWindow + ")");
        }
        if (authorizedKeys != null && allowAnyClient) {
            problems.add("noise.authorized_keys: set together with allow_any_client; choose one");
        }
        if (serverKey != null && trustAnyServer) {
            problems.add("noise.server_key: set together with trust_any_server; choose one");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Checks what a server needs: an identity, and a decision about client keys.
     *
     * @return the problems found, each naming its key; empty when the options can serve
     */
    public List<String> serverProblems() {
        List<String> problems = new ArrayList<>();
        if (identity == null) {
            problems.add("noise.identity: a server needs its static key (np keygen --out server.key)");
        }
        if (authorizedKeys == null && !allowAnyClient) {
            problems.add("noise.authorized_keys: a server needs the client keys it lets in, or allow_any_client");
        }
        return problems;
    }

    /**
     * Checks what a client needs: a decision about the server's key, and that key when there is no identity (NK).
     *
     * @return the problems found, each naming its key; empty when the options can connect
     */
    public List<String> clientProblems() {
        List<String> problems = new ArrayList<>();
        if (serverKey == null && !trustAnyServer) {
            problems.add("noise.server_key: a client needs the server's public key, or trust_any_server");
        }
        if (identity == null && serverKey == null) {
            problems.add("noise.identity: a client without a static key (pattern NK) needs noise.server_key");
        }
        return problems;
    }

    /**
     * Starts a builder with the defaults: no keys, both ciphers (AESGCM first), rekey after 2^20 frames or
     * 1 GiB, one-minute replay window, the system clock.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link NoiseOptions}. */
    public static final class Builder {
        private NoiseIdentity identity;
        private AuthorizedKeys authorizedKeys;
        private boolean allowAnyClient;
        private NoisePublicKey serverKey;
        private boolean trustAnyServer;
        private List<String> ciphers = CIPHERS;
        private long rekeyAfterMessages = DEFAULT_REKEY_AFTER_MESSAGES;
        private long rekeyAfterBytes = DEFAULT_REKEY_AFTER_BYTES;
        private Duration replayWindow = DEFAULT_REPLAY_WINDOW;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        /**
         * Sets this side's static key pair.
         *
         * @param identity the key pair, such as one from {@link NoiseIdentity#load}
         * @return this builder
         */
        public Builder identity(NoiseIdentity identity) {
            this.identity = identity;
            return this;
        }

        /**
         * Servers: lets in only clients whose static key is listed.
         *
         * @param keys the allowlist
         * @return this builder
         */
        public Builder authorizedKeys(AuthorizedKeys keys) {
            this.authorizedKeys = keys;
            return this;
        }

        /**
         * Servers: lets in any client, authenticated or not (NK).
         *
         * @return this builder
         */
        public Builder allowAnyClient() {
            this.allowAnyClient = true;
            return this;
        }

        /**
         * Clients: accepts only a server with this static key.
         *
         * @param key the server's public key
         * @return this builder
         */
        public Builder serverKey(NoisePublicKey key) {
            this.serverKey = key;
            return this;
        }

        /**
         * Clients: accepts any server key. The session is encrypted but not protected from a man in the middle.
         *
         * @return this builder
         */
        public Builder trustAnyServer() {
            this.trustAnyServer = true;
            return this;
        }

        /**
         * Sets the cipher functions, in preference order. The client's order decides.
         *
         * @param names {@code ChaChaPoly}, {@code AESGCM}
         * @return this builder
         */
        public Builder ciphers(String... names) {
            this.ciphers = List.of(names);
            return this;
        }

        /**
         * Sets after how many frames each direction rekeys.
         *
         * @param messages frames per key
         * @return this builder
         */
        public Builder rekeyAfterMessages(long messages) {
            this.rekeyAfterMessages = messages;
            return this;
        }

        /**
         * Sets after how many sealed bytes each direction rekeys.
         *
         * @param bytes bytes per key
         * @return this builder
         */
        public Builder rekeyAfterBytes(long bytes) {
            this.rekeyAfterBytes = bytes;
            return this;
        }

        /**
         * Servers: sets how far a handshake timestamp may be from this side's clock.
         *
         * @param window the window, either side
         * @return this builder
         */
        public Builder replayWindow(Duration window) {
            this.replayWindow = window;
            return this;
        }

        /**
         * Sets the wall clock of handshake timestamps; for tests.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(InstantSource clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws ConfigurationException listing every problem
         */
        public NoiseOptions build() {
            return new NoiseOptions(identity, authorizedKeys, allowAnyClient, serverKey, trustAnyServer, ciphers,
                rekeyAfterMessages, rekeyAfterBytes, replayWindow, clock);
        }
    }
}
