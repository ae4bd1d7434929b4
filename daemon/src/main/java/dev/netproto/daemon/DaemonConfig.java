package dev.netproto.daemon;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.netproto.api.AdmissionOptions;
import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Limits;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoiseOptions;
import dev.netproto.api.Security;
import dev.netproto.api.Server;
import dev.netproto.api.ServerBuilder;
import dev.netproto.api.TransportOptions;
import dev.netproto.api.spi.MetricsProvider;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.TransportProvider;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The configuration of {@code np serve}, merged from three sources, each overriding the one before: a TOML file,
 * environment variables named {@code NETPROTO_<SECTION>_<KEY>}, and command-line flags named {@code --<key>} (the
 * key with dashes for underscores; {@code --tls-<key>} and {@code --noise-<key>} for the keys of {@code [tls]} and
 * {@code [noise]}). Every problem in every source
 * is collected and reported at once, each naming the key and the source, so that a user fixes them all in one pass.
 *
 * <p>The TOML file has these tables:
 * <pre>
 * [server]
 * listen = ["tcp://127.0.0.1:7700"]   # env and flag values: comma-separated
 * event_loops = 2
 * max_frame_length = 16777216
 * security = "none"
 * metrics = "noop"
 * max_connections = 10000
 * max_pending_connections = 1024    # connections not done with HELLO at once; the oldest makes room for a new one
 * max_connections_per_source = 0    # per IPv4 address or IPv6 /64; 0 no limit
 * source_connection_rate = 200      # new connections per second per source; 0 no limit (raise behind a proxy)
 * source_connection_burst = 400
 * shutdown_grace_ms = 10000         # how long in-flight requests get on SIGTERM/SIGINT
 * idle_spin_us = 0                  # event loops poll this long before blocking (0..10000); 0 off
 * memory_budget_mb = 0              # direct memory the buffers may hold, MiB; 0: 3/4 of the JVM's direct limit
 * [connection]                      # every timeout in milliseconds; 0 turns it off
 * handshake_timeout_ms = 10000
 * idle_timeout_ms = 300000
 * frame_timeout_ms = 20000          # a started frame must complete within this, plus 1 s per 64 KiB of it
 * write_timeout_ms = 30000
 * heartbeat_interval_ms = 30000
 * missed_heartbeats = 3
 * write_buffer_low_watermark = 262144
 * write_buffer_high_watermark = 1048576
 * max_in_flight_requests = 10000
 * [transport]
 * tcp_no_delay = true
 * backlog = 0
 * send_buffer_size = 0
 * receive_buffer_size = 0
 * reuse_address = true
 * [tls]                             # required when server.listen has tls:// endpoints, refused otherwise
 * certificate_chain = "server.pem"  # PEM: the server's certificate first, then its intermediates
 * private_key = "server.key"        # PEM: its key, PKCS#8, PKCS#1 or SEC1, unencrypted
 * trust_certificates = "ca.pem"     # PEM CA bundle that client certificates must chain to
 * client_auth = "none"              # none, optional or require (the last two need trust_certificates)
 * reload_interval_ms = 10000        # how often at most the files are checked for rotation; 0 never
 * [noise]                           # required when server.security is "noise", refused otherwise
 * identity = "server.key"           # the server's static key (np keygen), mode 0600
 * authorized_keys = "clients.keys"  # client public keys let in, one per line; or:
 * allow_any_client = false          # let in any client, including anonymous ones (NK)
 * rekey_after_messages = 1048576    # frames per key and direction
 * replay_window_ms = 60000          # how far a handshake's timestamp may be from this clock
 * </pre>
 *
 * <p>TLS secures a whole server: its {@code listen} endpoints are then all {@code tls://}, and {@code security} is
 * {@code tls} (the default when they are). Relative file names are resolved against the working directory. The
 * files are checked for existence here; their content (a parsable certificate, a key that matches it) when the
 * server starts, with the same keys in the messages.
 *
 * <p>Provider names ({@code security}, {@code metrics}) and the schemes of {@code listen} URIs are checked here,
 * against the providers {@link ServiceLoader} finds, so that an unknown one is reported with the other problems and
 * its source; the server checks them again when it starts.
 *
 * @param listen         where to listen, at least one URI
 * @param eventLoops     how many event-loop threads serve connections
 * @param maxFrameLength the largest frame payload the server accepts, in bytes
 * @param security       the security provider's name
 * @param metrics        the metrics provider's name
 * @param transport      socket options
 * @param maxConnections connections served at once
 * @param connection     limits and timeouts of every connection
 * @param shutdownGrace  how long in-flight requests get to finish when the server is stopped
 * @param tls            the TLS settings of a server with {@code tls://} endpoints; {@code null} for none
 * @param idleSpin       how long an idle event loop polls before it blocks ({@code ServerBuilder.idleSpin})
 * @param noise          the Noise settings of a server with security {@code noise}; {@code null} for none
 * @param admission      the pending-connection budget and the per-source limits
 * @param memoryBudgetMb the direct memory the server's buffers may hold, in MiB; 0 for the default, three quarters
 *                       of the JVM's direct-memory limit ({@code ServerBuilder.memoryBudget})
 */
record DaemonConfig(List<String> listen, int eventLoops, int maxFrameLength, String security, String metrics,
                    TransportOptions transport, int maxConnections, ConnectionOptions connection,
                    Duration shutdownGrace, TlsConfig tls, Duration idleSpin, NoiseFiles noise,
                    AdmissionOptions admission, int memoryBudgetMb) {

    /** The prefix of every environment variable this configuration reads. */
    static final String ENV_PREFIX = "NETPROTO_";
    /** Where the server listens when no source says otherwise: loopback only. */
    static final String DEFAULT_LISTEN = "tcp://127.0.0.1:7700";

    private static final int MAX_EVENT_LOOPS = 1024;
    private static final String TLS_SCHEME = "tls";
    private static final String NOISE_SECTION = "noise";

    /**
     * The {@code [noise]} section: where the keys are, read when the server starts.
     *
     * @param identity           the server's key file
     * @param authorizedKeys     the allowlist file, or {@code null} with {@code allowAnyClient}
     * @param allowAnyClient     whether any client is let in
     * @param rekeyAfterMessages frames per key and direction
     * @param replayWindow       the handshake timestamp window
     */
    record NoiseFiles(Path identity, Path authorizedKeys, boolean allowAnyClient, long rekeyAfterMessages,
                      Duration replayWindow) {

        /** Reads the key files and returns the options; blocks on file I/O. */
        NoiseOptions load() {
            try {
                NoiseOptions.Builder b = NoiseOptions.builder().identity(NoiseIdentity.load(identity))
                    .rekeyAfterMessages(rekeyAfterMessages).replayWindow(replayWindow);
                if (allowAnyClient) {
                    b.allowAnyClient();
                } else {
                    b.authorizedKeys(AuthorizedKeys.load(authorizedKeys));
                }
                return b.build();
            } catch (IOException e) {
                throw new ConfigurationException(List.of(NOISE_SECTION + ": " + e.getMessage()));
            }
        }
    }
    private static final int DEFAULT_RELOAD_INTERVAL_MS = 10_000;

    /**
     * Copies the list, so the configuration cannot change.
     *
     * @param listen         where to listen
     * @param eventLoops     event-loop threads
     * @param maxFrameLength largest accepted payload
     * @param security       security provider name
     * @param metrics        metrics provider name
     * @param transport      socket options
     * @param maxConnections connection limit
     * @param connection     connection limits and timeouts
     * @param shutdownGrace  grace period on stop
     * @param tls            TLS settings, or {@code null}
     * @param idleSpin       idle spin of the event loops, zero for none
     * @param noise          Noise settings, or {@code null}
     * @param memoryBudgetMb memory budget in MiB, 0 for the default
     */
    DaemonConfig {
        listen = List.copyOf(listen);
    }

    /**
     * Returns the configuration used when no file, variable or flag says otherwise.
     *
     * @return the defaults: loopback port 7700, one event loop per processor, 16 MiB frames, no security
     */
    static DaemonConfig defaults() {
        return fromValues(new EnumMap<>(Key.class));
    }

    /**
     * Loads and validates the configuration.
     *
     * @param file  the TOML file, or {@code null} for none
     * @param env   the environment; only variables starting with {@value #ENV_PREFIX} are read
     * @param flags command-line values by flag name (such as {@code --event-loops}); flags that are not
     *              configuration keys are ignored
     * @return the configuration
     * @throws ConfigurationException listing every problem, each with its key and source
     */
    static DaemonConfig load(Path file, Map<String, String> env, Map<String, List<String>> flags) {
        Map<Key, Object> values = new EnumMap<>(Key.class);
        Map<Key, String> sources = new EnumMap<>(Key.class);
        List<String> problems = new ArrayList<>();
        if (file != null) {
            readFile(file, values, sources, problems);
        }
        readEnv(env, values, sources, problems);
        readFlags(flags, values, sources, problems);
        checkProviderNames(values, sources, problems);
        Object listen = values.get(Key.SERVER_LISTEN);
        if (listen instanceof List<?> list && list.isEmpty()) {
            problems.add(Key.SERVER_LISTEN.path() + ": at least one endpoint is required, such as " + DEFAULT_LISTEN);
        }
        if (problems.isEmpty()) {
            try {
                return fromValues(values);
            } catch (ConfigurationException e) {
                // Cross-key checks (such as the low watermark under the high one) of the option records.
                problems.addAll(e.problems());
            }
        }
        throw new ConfigurationException(problems);
    }

    /**
     * Returns this configuration listening elsewhere.
     *
     * @param uris where to listen instead
     * @return a copy with only {@code listen} changed
     */
    DaemonConfig withListen(List<String> uris) {
        return new DaemonConfig(uris, eventLoops, maxFrameLength, security, metrics, transport, maxConnections,
            connection, shutdownGrace, tls, idleSpin, noise, admission, memoryBudgetMb);
    }

    /**
     * Returns a server builder with these options and no routes. With TLS, reads the certificate files (and
     * follows them for rotation unless {@code tls.reload_interval_ms} is 0): call it where blocking is allowed.
     *
     * @return a new builder
     * @throws ConfigurationException if a TLS file cannot be used, naming its key
     */
    ServerBuilder toBuilder() {
        ServerBuilder builder = Server.builder();
        for (String uri : listen) {
            builder.listen(uri);
        }
        if (tls != null) {
            builder.security(Security.tls(TlsContexts.create(tls)));
        } else if (noise != null) {
            builder.security(Security.noise(noise.load()));
        } else {
            builder.security(security);
        }
        return builder.eventLoops(eventLoops).maxFrameLength(maxFrameLength).metrics(metrics)
            .transport(transport).maxConnections(maxConnections).connection(connection).idleSpin(idleSpin)
            .admission(admission).memoryBudget(memoryBudgetMb * 1024L * 1024L);
    }

    /**
     * Returns the flag names that set configuration keys.
     *
     * @return such as {@code --listen} and {@code --event-loops}
     */
    static List<String> flagNames() {
        return Arrays.stream(Key.values()).map(Key::flag).toList();
    }

    @SuppressWarnings("unchecked")
    private static DaemonConfig fromValues(Map<Key, Object> values) {
        List<String> listen = (List<String>) values.getOrDefault(Key.SERVER_LISTEN, List.of(DEFAULT_LISTEN));
        TlsConfig tls = tlsConfig(listen, values);
        return new DaemonConfig(
            listen,
            (Integer) values.getOrDefault(Key.SERVER_EVENT_LOOPS,
                Math.min(Runtime.getRuntime().availableProcessors(), MAX_EVENT_LOOPS)),
            (Integer) values.getOrDefault(Key.SERVER_MAX_FRAME_LENGTH, Limits.MAX_FRAME_LENGTH_CAP),
            (String) values.getOrDefault(Key.SERVER_SECURITY, tls == null ? Security.NONE : Security.TLS),
            (String) values.getOrDefault(Key.SERVER_METRICS, "noop"),
            new TransportOptions(
                (Boolean) values.getOrDefault(Key.TRANSPORT_TCP_NO_DELAY, Boolean.TRUE),
                (Integer) values.getOrDefault(Key.TRANSPORT_BACKLOG, 0),
                (Integer) values.getOrDefault(Key.TRANSPORT_SEND_BUFFER_SIZE, 0),
                (Integer) values.getOrDefault(Key.TRANSPORT_RECEIVE_BUFFER_SIZE, 0),
                (Boolean) values.getOrDefault(Key.TRANSPORT_REUSE_ADDRESS, Boolean.TRUE)),
            (Integer) values.getOrDefault(Key.SERVER_MAX_CONNECTIONS, 10_000),
            connectionOptions(values),
            Duration.ofMillis((Integer) values.getOrDefault(Key.SERVER_SHUTDOWN_GRACE_MS, 10_000)),
            tls,
            Duration.ofNanos(1_000L * (Integer) values.getOrDefault(Key.SERVER_IDLE_SPIN_US, 0)),
            noiseFiles(values),
            admissionOptions(values),
            (Integer) values.getOrDefault(Key.SERVER_MEMORY_BUDGET_MB, 0));
    }

    /** Checks that {@code [noise]} is set exactly when the security is {@code noise}; {@code null} without. */
    private static NoiseFiles noiseFiles(Map<Key, Object> values) {
        List<String> problems = new ArrayList<>();
        List<String> noiseKeys = values.keySet().stream().filter(k -> k.section.equals(NOISE_SECTION))
            .map(Key::path).toList();
        if (!Security.NOISE.equals(values.get(Key.SERVER_SECURITY))) {
            if (!noiseKeys.isEmpty()) {
                problems.add(NOISE_SECTION + ": " + noiseKeys + " set, but " + Key.SERVER_SECURITY.path()
                    + " is not \"noise\": the server would not use them");
            }
            throwIfAny(problems);
            return null;
        }
        Path identity = (Path) values.get(Key.NOISE_IDENTITY);
        Path authorized = (Path) values.get(Key.NOISE_AUTHORIZED_KEYS);
        boolean any = (Boolean) values.getOrDefault(Key.NOISE_ALLOW_ANY_CLIENT, Boolean.FALSE);
        if (identity == null) {
            problems.add(Key.NOISE_IDENTITY.path() + ": required with security \"noise\" (np keygen --out FILE)");
        }
        if (authorized == null && !any) {
            problems.add(Key.NOISE_AUTHORIZED_KEYS.path() + ": required with security \"noise\", unless "
                + Key.NOISE_ALLOW_ANY_CLIENT.path() + " = true");
        }
        if (authorized != null && any) {
            problems.add(Key.NOISE_AUTHORIZED_KEYS.path() + ": set together with " + Key.NOISE_ALLOW_ANY_CLIENT.path()
                + " = true; choose one");
        }
        throwIfAny(problems);
        return new NoiseFiles(identity, authorized, any,
            (Integer) values.getOrDefault(Key.NOISE_REKEY_AFTER_MESSAGES, 1 << 20),
            Duration.ofMillis((Integer) values.getOrDefault(Key.NOISE_REPLAY_WINDOW_MS, 60_000)));
    }

    /**
     * Checks that TLS is configured exactly when {@code listen} has {@code tls://} endpoints, and builds its
     * settings; {@code null} without TLS.
     *
     * @throws ConfigurationException listing every problem, each naming its key
     */
    private static TlsConfig tlsConfig(List<String> listen, Map<Key, Object> values) {
        List<String> problems = new ArrayList<>();
        long tlsEndpoints = listen.stream().filter(uri -> TLS_SCHEME.equals(Endpoint.parse(uri).scheme())).count();
        Object security = values.get(Key.SERVER_SECURITY);
        List<String> tlsKeys = values.keySet().stream().filter(k -> k.section.equals(TLS_SCHEME)).map(Key::path)
            .toList();
        if (tlsEndpoints == 0) {
            if (Security.TLS.equals(security)) {
                problems.add(Key.SERVER_SECURITY.path() + ": \"tls\" needs tls:// endpoints in "
                    + Key.SERVER_LISTEN.path() + " (" + listen + ")");
            }
            if (!tlsKeys.isEmpty()) {
                problems.add(TLS_SCHEME + ": " + tlsKeys + " set, but no " + Key.SERVER_LISTEN.path()
                    + " endpoint is tls:// (" + listen + "): the server would not use them");
            }
            throwIfAny(problems);
            return null;
        }
        if (tlsEndpoints < listen.size()) {
            problems.add(Key.SERVER_LISTEN.path() + ": tls:// cannot be mixed with other schemes in one server,"
                + " since TLS is the whole server's security; run a second server for the others (" + listen + ")");
        }
        if (security != null && !Security.TLS.equals(security)) {
            problems.add(Key.SERVER_SECURITY.path() + ": tls:// endpoints need security \"tls\" (" + security
                + ")");
        }
        Path chain = (Path) values.get(Key.TLS_CERTIFICATE_CHAIN);
        Path key = (Path) values.get(Key.TLS_PRIVATE_KEY);
        if (chain == null) {
            problems.add(Key.TLS_CERTIFICATE_CHAIN.path() + ": required for tls:// endpoints");
        }
        if (key == null) {
            problems.add(Key.TLS_PRIVATE_KEY.path() + ": required for tls:// endpoints");
        }
        throwIfAny(problems);
        String clientAuth = (String) values.getOrDefault(Key.TLS_CLIENT_AUTH, "none");
        int reloadMs = (Integer) values.getOrDefault(Key.TLS_RELOAD_INTERVAL_MS, DEFAULT_RELOAD_INTERVAL_MS);
        // TlsConfig names its problems tls.<key>, as this configuration does.
        return TlsConfig.server()
            .certificate(chain, key)
            .trustCertificates((Path) values.get(Key.TLS_TRUST_CERTIFICATES))
            .clientAuth(TlsConfig.ClientAuth.valueOf(clientAuth.toUpperCase(Locale.ROOT)))
            .reloadInterval(Duration.ofMillis(reloadMs))
            .build();
    }

    private static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    private static AdmissionOptions admissionOptions(Map<Key, Object> values) {
        AdmissionOptions d = AdmissionOptions.defaults();
        return AdmissionOptions.builder()
            .maxPendingConnections((Integer) values.getOrDefault(Key.SERVER_MAX_PENDING_CONNECTIONS,
                d.maxPendingConnections()))
            .maxConnectionsPerSource((Integer) values.getOrDefault(Key.SERVER_MAX_CONNECTIONS_PER_SOURCE,
                d.maxConnectionsPerSource()))
            .sourceConnectionRate(
                (Integer) values.getOrDefault(Key.SERVER_SOURCE_CONNECTION_RATE, d.sourceConnectionRate()),
                (Integer) values.getOrDefault(Key.SERVER_SOURCE_CONNECTION_BURST, d.sourceConnectionBurst()))
            .build();
    }

    private static ConnectionOptions connectionOptions(Map<Key, Object> values) {
        ConnectionOptions d = ConnectionOptions.defaults();
        return ConnectionOptions.builder()
            .handshakeTimeout(millis(values, Key.CONNECTION_HANDSHAKE_TIMEOUT_MS, d.handshakeTimeout()))
            .idleTimeout(millis(values, Key.CONNECTION_IDLE_TIMEOUT_MS, d.idleTimeout()))
            .frameTimeout(millis(values, Key.CONNECTION_FRAME_TIMEOUT_MS, d.frameTimeout()))
            .writeTimeout(millis(values, Key.CONNECTION_WRITE_TIMEOUT_MS, d.writeTimeout()))
            .heartbeat(millis(values, Key.CONNECTION_HEARTBEAT_INTERVAL_MS, d.heartbeatInterval()),
                (Integer) values.getOrDefault(Key.CONNECTION_MISSED_HEARTBEATS, d.missedHeartbeats()))
            .writeBufferWatermarks(
                (Integer) values.getOrDefault(Key.CONNECTION_WRITE_BUFFER_LOW_WATERMARK, d.writeBufferLowWatermark()),
                (Integer) values.getOrDefault(Key.CONNECTION_WRITE_BUFFER_HIGH_WATERMARK,
                    d.writeBufferHighWatermark()))
            .maxInFlightRequests((Integer) values.getOrDefault(Key.CONNECTION_MAX_IN_FLIGHT_REQUESTS,
                d.maxInFlightRequests()))
            .build();
    }

    private static Duration millis(Map<Key, Object> values, Key key, Duration fallback) {
        Object v = values.get(key);
        return v == null ? fallback : Duration.ofMillis((Integer) v);
    }

    private static void readFile(Path file, Map<Key, Object> values, Map<Key, String> sources,
                                 List<String> problems) {
        String source = "file " + file;
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            problems.add("--config: no such file (" + file + ")");
            return;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            problems.add("--config: " + file + " is not valid TOML: " + firstLine(e.getOriginalMessage())
                + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            return;
        } catch (IOException e) {
            problems.add("--config: cannot read " + file + ": " + e);
            return;
        }
        if (root == null || root.isMissingNode()) {
            return;
        }
        for (Map.Entry<String, JsonNode> section : root.properties()) {
            String name = section.getKey();
            if (!Key.sections().contains(name)) {
                problems.add(problem(name, "unknown section (known: " + String.join(", ", Key.sections()) + ")",
                    source));
                continue;
            }
            if (!section.getValue().isObject()) {
                problems.add(problem(name, "expected a table, found " + describe(section.getValue()), source));
                continue;
            }
            for (Map.Entry<String, JsonNode> entry : section.getValue().properties()) {
                Key key = Key.find(name, entry.getKey());
                if (key == null) {
                    problems.add(problem(name + "." + entry.getKey(), "unknown key (known: "
                        + String.join(", ", Key.names(name)) + ")", source));
                    continue;
                }
                Object value = fromToml(key, entry.getValue(), source, problems);
                if (value != null) {
                    values.put(key, value);
                    sources.put(key, source);
                }
            }
        }
    }

    private static void readEnv(Map<String, String> env, Map<Key, Object> values, Map<Key, String> sources,
                                List<String> problems) {
        // Sorted, so that problems come out in the same order on every run.
        for (Map.Entry<String, String> entry : new TreeMap<>(env).entrySet()) {
            String name = entry.getKey();
            if (!name.startsWith(ENV_PREFIX)) {
                continue;
            }
            String source = "env " + name;
            Key key = Arrays.stream(Key.values()).filter(k -> k.envName().equals(name)).findFirst().orElse(null);
            if (key == null) {
                problems.add(problem(name, "unknown variable (known: " + Arrays.stream(Key.values())
                    .map(Key::envName).collect(Collectors.joining(", ")) + ")", source));
                continue;
            }
            Object value = fromText(key, List.of(entry.getValue()), source, problems);
            if (value != null) {
                values.put(key, value);
                sources.put(key, source);
            }
        }
    }

    private static void readFlags(Map<String, List<String>> flags, Map<Key, Object> values,
                                  Map<Key, String> sources, List<String> problems) {
        for (Key key : Key.values()) {
            List<String> given = flags.get(key.flag());
            if (given == null || given.isEmpty()) {
                continue;
            }
            String source = "flag " + key.flag();
            Object value = fromText(key, given, source, problems);
            if (value != null) {
                values.put(key, value);
                sources.put(key, source);
            }
        }
    }

    /**
     * Checks the configured URI schemes and provider names against the providers found, naming the source of
     * each unknown one. Defaults are not checked here: with their provider missing, the server says so at start.
     */
    @SuppressWarnings("unchecked")
    private static void checkProviderNames(Map<Key, Object> values, Map<Key, String> sources,
                                           List<String> problems) {
        Object listen = values.get(Key.SERVER_LISTEN);
        if (listen != null) {
            Set<String> schemes = providerNames(TransportProvider.class, TransportProvider::scheme);
            List<String> uris = (List<String>) listen;
            for (int i = 0; i < uris.size(); i++) {
                String scheme = Endpoint.parse(uris.get(i)).scheme();
                checkKnown(schemes, Key.SERVER_LISTEN.path() + "[" + i + "]", "transport scheme", scheme,
                    sources.get(Key.SERVER_LISTEN), problems);
            }
        }
        Object security = values.get(Key.SERVER_SECURITY);
        if (security != null) {
            checkKnown(providerNames(SecurityProvider.class, SecurityProvider::name), Key.SERVER_SECURITY.path(),
                "security provider", (String) security, sources.get(Key.SERVER_SECURITY), problems);
        }
        Object metrics = values.get(Key.SERVER_METRICS);
        if (metrics != null) {
            checkKnown(providerNames(MetricsProvider.class, MetricsProvider::name), Key.SERVER_METRICS.path(),
                "metrics provider", (String) metrics, sources.get(Key.SERVER_METRICS), problems);
        }
    }

    private static void checkKnown(Set<String> found, String key, String kind, String name, String source,
                                  List<String> problems) {
        if (found != null && !found.contains(name)) {
            problems.add(problem(key, "unknown " + kind + " '" + name + "'; found: " + found, source));
        }
    }

    /**
     * The names of the providers of one SPI that {@link ServiceLoader} finds, as the engine will find them; sorted.
     *
     * @return the names, or {@code null} when a provider cannot be loaded: the server then reports that at start
     */
    private static <T> Set<String> providerNames(Class<T> type, Function<T, String> nameOf) {
        Set<String> names = new TreeSet<>();
        try {
            for (T provider : ServiceLoader.load(type, DaemonConfig.class.getClassLoader())) {
                names.add(nameOf.apply(provider));
            }
        } catch (ServiceConfigurationError e) {
            return null;
        }
        return names;
    }

    /** Converts a TOML value, or adds a problem and returns {@code null}. */
    private static Object fromToml(Key key, JsonNode node, String source, List<String> problems) {
        switch (key.type) {
            case URI_LIST -> {
                List<String> uris = new ArrayList<>();
                if (node.isTextual()) {
                    uris.add(node.textValue());
                } else if (node.isArray()) {
                    for (int i = 0; i < node.size(); i++) {
                        JsonNode element = node.get(i);
                        if (!element.isTextual()) {
                            problems.add(problem(key.path() + "[" + i + "]",
                                "expected a URI string, found " + describe(element), source));
                            return null;
                        }
                        uris.add(element.textValue());
                    }
                } else {
                    problems.add(problem(key.path(), "expected an array of URI strings, found " + describe(node),
                        source));
                    return null;
                }
                return checkUris(key, uris, source, problems);
            }
            case INT -> {
                if (!node.isIntegralNumber()) {
                    problems.add(problem(key.path(), "expected an integer, found " + describe(node), source));
                    return null;
                }
                if (!node.canConvertToLong()) {
                    problems.add(problem(key.path(), key.rangeText() + " (" + node.asText() + ")", source));
                    return null;
                }
                return checkRange(key, node.longValue(), node.asText(), source, problems);
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    problems.add(problem(key.path(), "expected true or false, found " + describe(node), source));
                    return null;
                }
                return node.booleanValue();
            }
            case NAME, PATH, CHOICE -> {
                if (!node.isTextual()) {
                    problems.add(problem(key.path(), "expected a string, found " + describe(node), source));
                    return null;
                }
                return checkText(key, node.textValue(), source, problems);
            }
            default -> throw new IllegalStateException("unhandled type " + key.type);
        }
    }

    /** Converts an environment or flag value, or adds a problem and returns {@code null}. */
    private static Object fromText(Key key, List<String> given, String source, List<String> problems) {
        if (key.type == Type.URI_LIST) {
            List<String> uris = new ArrayList<>();
            for (String text : given) {
                for (String part : text.split(",", -1)) {
                    uris.add(part.strip());
                }
            }
            return checkUris(key, uris, source, problems);
        }
        String text = given.get(given.size() - 1).strip();
        switch (key.type) {
            case INT -> {
                long value;
                try {
                    value = Long.parseLong(text.replace("_", ""));
                } catch (NumberFormatException e) {
                    problems.add(problem(key.path(), "expected an integer (" + quote(text) + ")", source));
                    return null;
                }
                return checkRange(key, value, text, source, problems);
            }
            case BOOLEAN -> {
                if (text.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (text.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                problems.add(problem(key.path(), "expected true or false (" + quote(text) + ")", source));
                return null;
            }
            case NAME, PATH, CHOICE -> {
                return checkText(key, text, source, problems);
            }
            default -> throw new IllegalStateException("unhandled type " + key.type);
        }
    }

    private static List<String> checkUris(Key key, List<String> uris, String source, List<String> problems) {
        boolean ok = true;
        for (int i = 0; i < uris.size(); i++) {
            String uri = uris.get(i);
            String where = key.path() + "[" + i + "]";
            if (uri.isEmpty()) {
                problems.add(problem(where, "empty URI", source));
                ok = false;
                continue;
            }
            try {
                Endpoint.parse(uri);
            } catch (ConfigurationException e) {
                for (String p : e.problems()) {
                    problems.add(problem(where, p.startsWith("uri: ") ? p.substring(5) : p, source));
                }
                ok = false;
            } catch (IllegalArgumentException e) {
                problems.add(problem(where, e.getMessage() + " (" + uri + ")", source));
                ok = false;
            }
        }
        return ok ? List.copyOf(uris) : null;
    }

    private static Integer checkRange(Key key, long value, String text, String source, List<String> problems) {
        if (value < key.min || value > key.max) {
            problems.add(problem(key.path(), key.rangeText() + " (" + text + ")", source));
            return null;
        }
        return (int) value;
    }

    private static String checkName(Key key, String text, String source, List<String> problems) {
        String name = text.strip();
        if (name.isEmpty()) {
            problems.add(problem(key.path(), "must not be empty", source));
            return null;
        }
        return name;
    }

    private static Object checkText(Key key, String text, String source, List<String> problems) {
        String name = checkName(key, text, source, problems);
        if (name == null) {
            return null;
        }
        return switch (key.type) {
            case PATH -> checkPath(key, name, source, problems);
            case CHOICE -> checkChoice(key, name, source, problems);
            default -> name;
        };
    }

    /** Checks that a file exists and can be read, so that a wrong path is reported with its key and source. */
    private static Path checkPath(Key key, String text, String source, List<String> problems) {
        Path path;
        try {
            path = Path.of(text);
        } catch (InvalidPathException e) {
            problems.add(problem(key.path(), "not a valid path: " + e.getReason() + " (" + quote(text) + ")",
                source));
            return null;
        }
        if (!Files.exists(path)) {
            problems.add(problem(key.path(), "no such file (" + path.toAbsolutePath() + ")", source));
            return null;
        }
        if (!Files.isRegularFile(path)) {
            problems.add(problem(key.path(), "not a regular file (" + path.toAbsolutePath() + ")", source));
            return null;
        }
        if (!Files.isReadable(path)) {
            problems.add(problem(key.path(), "not readable by this user (" + path.toAbsolutePath() + ")", source));
            return null;
        }
        return path;
    }

    private static String checkChoice(Key key, String text, String source, List<String> problems) {
        String choice = text.toLowerCase(Locale.ROOT);
        if (!key.choices.contains(choice)) {
            problems.add(problem(key.path(), "must be one of " + String.join(", ", key.choices) + " ("
                + quote(text) + ")", source));
            return null;
        }
        return choice;
    }

    private static String problem(String key, String what, String source) {
        return key + ": " + what + " [" + source + "]";
    }

    private static String describe(JsonNode node) {
        String type = node.getNodeType().name().toLowerCase(Locale.ROOT);
        if (node.isValueNode()) {
            return type + " (" + node.asText() + ")";
        }
        return type;
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** The kinds of value a key holds. */
    private enum Type {
        URI_LIST, INT, BOOLEAN, NAME, PATH, CHOICE
    }

    /** Every configuration key, with its type and range. */
    enum Key {
        /** {@code server.listen}. */
        SERVER_LISTEN("server", "listen", Type.URI_LIST, 0, 0),
        /** {@code server.event_loops}. */
        SERVER_EVENT_LOOPS("server", "event_loops", Type.INT, 1, MAX_EVENT_LOOPS),
        /** {@code server.max_frame_length}. */
        SERVER_MAX_FRAME_LENGTH("server", "max_frame_length", Type.INT, Limits.MIN_FRAME_LENGTH,
            Limits.MAX_FRAME_LENGTH_CAP),
        /** {@code server.security}. */
        SERVER_SECURITY("server", "security", Type.NAME, 0, 0),
        /** {@code server.metrics}. */
        SERVER_METRICS("server", "metrics", Type.NAME, 0, 0),
        /** {@code server.max_connections}. */
        SERVER_MAX_CONNECTIONS("server", "max_connections", Type.INT, 1, 1_000_000),
        /** {@code server.max_pending_connections}: see {@code AdmissionOptions}. */
        SERVER_MAX_PENDING_CONNECTIONS("server", "max_pending_connections", Type.INT, 1, 1_000_000),
        /** {@code server.max_connections_per_source}. */
        SERVER_MAX_CONNECTIONS_PER_SOURCE("server", "max_connections_per_source", Type.INT, 0, 1_000_000),
        /** {@code server.source_connection_rate}. */
        SERVER_SOURCE_CONNECTION_RATE("server", "source_connection_rate", Type.INT, 0, 1_000_000),
        /** {@code server.source_connection_burst}. */
        SERVER_SOURCE_CONNECTION_BURST("server", "source_connection_burst", Type.INT, 1, 1_000_000),
        /** {@code server.shutdown_grace_ms}. */
        SERVER_SHUTDOWN_GRACE_MS("server", "shutdown_grace_ms", Type.INT, 0, 600_000),
        /** {@code server.idle_spin_us}: see {@code ServerBuilder.idleSpin}. */
        SERVER_IDLE_SPIN_US("server", "idle_spin_us", Type.INT, 0, 10_000),
        /** {@code server.memory_budget_mb}: see {@code ServerBuilder.memoryBudget}; 0 for the default. */
        SERVER_MEMORY_BUDGET_MB("server", "memory_budget_mb", Type.INT, 0, 1 << 24),
        /** {@code connection.handshake_timeout_ms}. */
        CONNECTION_HANDSHAKE_TIMEOUT_MS("connection", "handshake_timeout_ms", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code connection.idle_timeout_ms}. */
        CONNECTION_IDLE_TIMEOUT_MS("connection", "idle_timeout_ms", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code connection.frame_timeout_ms}. */
        CONNECTION_FRAME_TIMEOUT_MS("connection", "frame_timeout_ms", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code connection.write_timeout_ms}. */
        CONNECTION_WRITE_TIMEOUT_MS("connection", "write_timeout_ms", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code connection.heartbeat_interval_ms}. */
        CONNECTION_HEARTBEAT_INTERVAL_MS("connection", "heartbeat_interval_ms", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code connection.missed_heartbeats}. */
        CONNECTION_MISSED_HEARTBEATS("connection", "missed_heartbeats", Type.INT, 1, 1_000),
        /** {@code connection.write_buffer_low_watermark}. */
        CONNECTION_WRITE_BUFFER_LOW_WATERMARK("connection", "write_buffer_low_watermark", Type.INT, 0,
            Integer.MAX_VALUE),
        /** {@code connection.write_buffer_high_watermark}. */
        CONNECTION_WRITE_BUFFER_HIGH_WATERMARK("connection", "write_buffer_high_watermark", Type.INT, 1,
            Integer.MAX_VALUE),
        /** {@code connection.max_in_flight_requests}. */
        CONNECTION_MAX_IN_FLIGHT_REQUESTS("connection", "max_in_flight_requests", Type.INT, 1, Integer.MAX_VALUE),
        /** {@code transport.tcp_no_delay}. */
        TRANSPORT_TCP_NO_DELAY("transport", "tcp_no_delay", Type.BOOLEAN, 0, 0),
        /** {@code transport.backlog}. */
        TRANSPORT_BACKLOG("transport", "backlog", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code transport.send_buffer_size}. */
        TRANSPORT_SEND_BUFFER_SIZE("transport", "send_buffer_size", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code transport.receive_buffer_size}. */
        TRANSPORT_RECEIVE_BUFFER_SIZE("transport", "receive_buffer_size", Type.INT, 0, Integer.MAX_VALUE),
        /** {@code transport.reuse_address}. */
        TRANSPORT_REUSE_ADDRESS("transport", "reuse_address", Type.BOOLEAN, 0, 0),
        /** {@code tls.certificate_chain}. */
        TLS_CERTIFICATE_CHAIN(TLS_SCHEME, "certificate_chain", Type.PATH, 0, 0),
        /** {@code tls.private_key}. */
        TLS_PRIVATE_KEY(TLS_SCHEME, "private_key", Type.PATH, 0, 0),
        /** {@code tls.trust_certificates}. */
        TLS_TRUST_CERTIFICATES(TLS_SCHEME, "trust_certificates", Type.PATH, 0, 0),
        /** {@code tls.client_auth}. */
        TLS_CLIENT_AUTH(TLS_SCHEME, "client_auth", List.of("none", "optional", "require")),
        /** {@code tls.reload_interval_ms}. */
        TLS_RELOAD_INTERVAL_MS(TLS_SCHEME, "reload_interval_ms", Type.INT, 0, Duration.ofDays(1).toMillis()),
        /** {@code noise.identity}. */
        NOISE_IDENTITY(NOISE_SECTION, "identity", Type.PATH, 0, 0),
        /** {@code noise.authorized_keys}. */
        NOISE_AUTHORIZED_KEYS(NOISE_SECTION, "authorized_keys", Type.PATH, 0, 0),
        /** {@code noise.allow_any_client}. */
        NOISE_ALLOW_ANY_CLIENT(NOISE_SECTION, "allow_any_client", Type.BOOLEAN, 0, 0),
        /** {@code noise.rekey_after_messages}. */
        NOISE_REKEY_AFTER_MESSAGES(NOISE_SECTION, "rekey_after_messages", Type.INT, 1, Integer.MAX_VALUE),
        /** {@code noise.replay_window_ms}. */
        NOISE_REPLAY_WINDOW_MS(NOISE_SECTION, "replay_window_ms", Type.INT, 1, Duration.ofDays(1).toMillis());

        private final String section;
        private final String name;
        private final Type type;
        private final long min;
        private final long max;
        /** The values a {@link Type#CHOICE} key accepts; empty for the others. */
        private final List<String> choices;

        Key(String section, String name, Type type, long min, long max) {
            this.section = section;
            this.name = name;
            this.type = type;
            this.min = min;
            this.max = max;
            this.choices = List.of();
        }

        Key(String section, String name, List<String> choices) {
            this.section = section;
            this.name = name;
            this.type = Type.CHOICE;
            this.min = 0;
            this.max = 0;
            this.choices = choices;
        }

        /** Returns the dotted name used in messages, such as {@code server.event_loops}. */
        String path() {
            return section + "." + name;
        }

        /** Returns the environment variable, such as {@code NETPROTO_SERVER_EVENT_LOOPS}. */
        String envName() {
            return ENV_PREFIX + (section + "_" + name).toUpperCase(Locale.ROOT);
        }

        /**
         * Returns the command-line flag, such as {@code --event-loops}; the keys of {@code [tls]} carry the section,
         * such as {@code --tls-private-key}, since their names alone do not say what they belong to.
         */
        String flag() {
            String prefix = section.equals(TLS_SCHEME) || section.equals(NOISE_SECTION) ? "--" + section + "-" : "--";
            return prefix + name.replace('_', '-');
        }

        String rangeText() {
            return max == Integer.MAX_VALUE ? "must be >= " + min : "must be in " + min + ".." + max;
        }

        static List<String> sections() {
            return Arrays.stream(values()).map(k -> k.section).distinct().toList();
        }

        static List<String> names(String section) {
            return Arrays.stream(values()).filter(k -> k.section.equals(section)).map(k -> k.name).toList();
        }

        static Key find(String section, String name) {
            for (Key key : values()) {
                if (key.section.equals(section) && key.name.equals(name)) {
                    return key;
                }
            }
            return null;
        }
    }
}
