package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Limits;
import dev.netproto.transport.tls.DevCertificates;
import dev.netproto.transport.tls.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DaemonConfigTest {
    private static final String FULL = """
        [server]
        listen = ["tcp://127.0.0.1:7801", "tcp://[::1]:7801"]
        event_loops = 2
        max_frame_length = 65536
        security = "none"
        metrics = "noop"
        [transport]
        tcp_no_delay = false
        backlog = 128
        send_buffer_size = 262144
        receive_buffer_size = 131072
        reuse_address = false
        """;

    @TempDir
    Path dir;

    private Path write(String toml) throws IOException {
        Path file = dir.resolve("netproto.toml");
        Files.writeString(file, toml);
        return file;
    }

    private static ConfigurationException fails(Path file, Map<String, String> env,
                                                Map<String, List<String>> flags) {
        return assertThrows(ConfigurationException.class, () -> DaemonConfig.load(file, env, flags));
    }

    private static void assertProblem(ConfigurationException e, String... fragments) {
        for (String problem : e.problems()) {
            boolean all = true;
            for (String fragment : fragments) {
                all &= problem.contains(fragment);
            }
            if (all) {
                return;
            }
        }
        throw new AssertionError("no problem contains all of " + List.of(fragments) + " in " + e.problems());
    }

    @Test
    void shouldUseLoopbackDefaultsWhenNoSourceIsGiven() {
        DaemonConfig config = DaemonConfig.load(null, Map.of("PATH", "/usr/bin"), Map.of());
        assertEquals(List.of("tcp://127.0.0.1:7700"), config.listen());
        assertEquals(Limits.MAX_FRAME_LENGTH_CAP, config.maxFrameLength());
        assertEquals("none", config.security());
        assertEquals("noop", config.metrics());
        assertTrue(config.eventLoops() >= 1);
        assertTrue(config.transport().tcpNoDelay());
        assertEquals(DaemonConfig.defaults(), config);
    }

    @Test
    void shouldReadEveryKeyWhenTheFileIsValid() throws IOException {
        DaemonConfig config = DaemonConfig.load(write(FULL), Map.of(), Map.of());
        assertEquals(List.of("tcp://127.0.0.1:7801", "tcp://[::1]:7801"), config.listen());
        assertEquals(2, config.eventLoops());
        assertEquals(65536, config.maxFrameLength());
        assertFalse(config.transport().tcpNoDelay());
        assertEquals(128, config.transport().backlog());
        assertEquals(262144, config.transport().sendBufferSize());
        assertEquals(131072, config.transport().receiveBufferSize());
        assertFalse(config.transport().reuseAddress());
    }

    @Test
    void shouldPassTheMemoryBudgetInMibToTheServerWhenGiven() throws IOException {
        assertEquals(0, DaemonConfig.defaults().memoryBudgetMb(), "0: the default derived from the JVM");
        assertEquals(0, DaemonConfig.defaults().toBuilder().build().memoryBudget());
        Path toml = write("[server]\nmemory_budget_mb = 32\n");
        assertEquals(32, DaemonConfig.load(toml, Map.of(), Map.of()).memoryBudgetMb());
        DaemonConfig env = DaemonConfig.load(toml, Map.of("NETPROTO_SERVER_MEMORY_BUDGET_MB", "48"), Map.of());
        assertEquals(48, env.memoryBudgetMb());
        DaemonConfig flag = DaemonConfig.load(null, Map.of(), Map.of("--memory-budget-mb", List.of("64")));
        assertEquals(64L * 1024 * 1024, flag.toBuilder().build().memoryBudget());
        assertProblem(fails(null, Map.of(), Map.of("--memory-budget-mb", List.of("-1"))), "server.memory_budget_mb",
            "[flag --memory-budget-mb]");
    }

    @Test
    void shouldLetEnvOverrideFileAndFlagsOverrideEnvWhenAllAreGiven() throws IOException {
        Map<String, String> env = Map.of(
            "NETPROTO_SERVER_LISTEN", "tcp://127.0.0.1:7802, tcp://[::1]:7802",
            "NETPROTO_SERVER_EVENT_LOOPS", "4",
            "NETPROTO_TRANSPORT_TCP_NO_DELAY", "TRUE",
            "NETPROTO_TRANSPORT_BACKLOG", "64");
        Map<String, List<String>> flags = Map.of(
            "--event-loops", List.of("3"),
            "--unrelated", List.of("ignored"));
        DaemonConfig config = DaemonConfig.load(write(FULL), env, flags);
        assertEquals(List.of("tcp://127.0.0.1:7802", "tcp://[::1]:7802"), config.listen());
        assertEquals(3, config.eventLoops());
        assertTrue(config.transport().tcpNoDelay());
        assertEquals(64, config.transport().backlog());
        assertEquals(65536, config.maxFrameLength());

        DaemonConfig listened = DaemonConfig.load(write(FULL), env,
            Map.of("--listen", List.of("tcp://127.0.0.1:0", "tcp://127.0.0.2:0,tcp://127.0.0.3:0")));
        assertEquals(List.of("tcp://127.0.0.1:0", "tcp://127.0.0.2:0", "tcp://127.0.0.3:0"), listened.listen());
    }

    @Test
    void shouldReportEveryProblemWithKeyAndSourceWhenSeveralSourcesAreWrong() throws IOException {
        Path file = write("""
            [server]
            listen = ["tcp://127.0.0.1:7801", "nonsense", 5]
            event_loops = "two"
            max_frame_length = 100
            evnt_loops = 2
            security = ""
            [transport]
            tcp_no_delay = "yes"
            backlog = -1
            [client]
            x = 1
            """);
        Map<String, String> env = Map.of(
            "NETPROTO_SERVER_MAX_FRAME_LENGTH", "99999999999",
            "NETPROTO_TRANSPORT_SEND_BUFFER_SIZE", "lots",
            "NETPROTO_SERVR_LISTEN", "tcp://127.0.0.1:1");
        Map<String, List<String>> flags = Map.of("--event-loops", List.of("0"), "--listen", List.of("tcp://h"));
        ConfigurationException e = fails(file, env, flags);
        String source = "[file " + file + "]";
        assertProblem(e, "server.listen[2]", "expected a URI string", source);
        assertProblem(e, "server.event_loops", "expected an integer", "two", source);
        assertProblem(e, "server.max_frame_length", "1024..16777216", "(100)", source);
        assertProblem(e, "server.evnt_loops", "unknown key", "event_loops", source);
        assertProblem(e, "server.security", "must not be empty", source);
        assertProblem(e, "transport.tcp_no_delay", "expected true or false", source);
        assertProblem(e, "transport.backlog", ">= 0", "(-1)", source);
        assertProblem(e, "client", "unknown section", source);
        assertProblem(e, "server.max_frame_length", "99999999999", "[env NETPROTO_SERVER_MAX_FRAME_LENGTH]");
        assertProblem(e, "transport.send_buffer_size", "expected an integer", "lots",
            "[env NETPROTO_TRANSPORT_SEND_BUFFER_SIZE]");
        assertProblem(e, "NETPROTO_SERVR_LISTEN", "unknown variable", "NETPROTO_SERVER_LISTEN");
        assertProblem(e, "server.event_loops", "1..1024", "(0)", "[flag --event-loops]");
        assertProblem(e, "server.listen[0]", "missing port", "[flag --listen]");
        assertEquals(13, e.problems().size(), () -> String.join("\n", e.problems()));
    }

    /** Before, unknown schemes and provider names surfaced only at start, once every other problem was fixed. */
    @Test
    void shouldReportUnknownSchemesAndProvidersWithTheOtherProblemsAndTheirSources() throws IOException {
        Path file = write("""
            [server]
            event_loops = 0
            security = "psk"
            """);
        ConfigurationException e = fails(file, Map.of("NETPROTO_SERVER_METRICS", "prometheus"),
            Map.of("--listen", List.of("quic://127.0.0.1:7700,tcp://127.0.0.1:7701")));
        String source = "[file " + file + "]";
        assertProblem(e, "server.event_loops", "1..1024", "(0)", source);
        assertProblem(e, "server.security: unknown security provider 'psk'; found: [", "none", "noise", "tls",
            source);
        assertProblem(e, "server.metrics: unknown metrics provider 'prometheus'; found: [", "noop",
            "[env NETPROTO_SERVER_METRICS]");
        assertProblem(e, "server.listen[0]: unknown transport scheme 'quic'; found: [", "tcp", "tls", "unix",
            "[flag --listen]");
        assertEquals(4, e.problems().size(), () -> String.join("\n", e.problems()));
    }

    @Test
    void shouldNameTheUriWhenAListenEntryIsInvalid() throws IOException {
        ConfigurationException e = fails(write("""
            [server]
            listen = ["tcp://127.0.0.1:99999", "tcp://127.0.0.1:7700/path", ""]
            """), Map.of(), Map.of());
        assertProblem(e, "server.listen[0]", "99999");
        assertProblem(e, "server.listen[1]", "unexpected path");
        assertProblem(e, "server.listen[2]", "empty URI");
    }

    @Test
    void shouldRequireAnEndpointWhenListenIsEmpty() throws IOException {
        ConfigurationException e = fails(write("[server]\nlisten = []\n"), Map.of(), Map.of());
        assertProblem(e, "server.listen", "at least one endpoint");
    }

    @Test
    void shouldReportTheFileWhenItIsMissingOrNotToml() throws IOException {
        Path missing = dir.resolve("absent.toml");
        assertProblem(fails(missing, Map.of(), Map.of()), "--config", "no such file", missing.toString());

        Path broken = write("[server\nlisten = ");
        assertProblem(fails(broken, Map.of(), Map.of()), "--config", "not valid TOML", "line 1", broken.toString());

        assertProblem(fails(dir, Map.of(), Map.of()), "--config", "cannot read", dir.toString());
    }

    @Test
    void shouldReportBothTheFileAndTheEnvProblemWhenTheFileIsUnreadable() {
        Path missing = dir.resolve("absent.toml");
        ConfigurationException e = fails(missing, Map.of("NETPROTO_SERVER_EVENT_LOOPS", "-3"), Map.of());
        assertEquals(2, e.problems().size(), () -> String.join("\n", e.problems()));
    }

    @Test
    void shouldRejectATableWhereAValueIsExpectedWhenTheFileNestsTooDeep() throws IOException {
        ConfigurationException e = fails(write("""
            server = "tcp://127.0.0.1:7700"
            [transport.backlog]
            value = 3
            """), Map.of(), Map.of());
        assertProblem(e, "server", "expected a table");
        assertProblem(e, "transport.backlog", "expected an integer", "object");
    }

    @Test
    void shouldAcceptASingleStringWhenListenIsNotAnArray() throws IOException {
        DaemonConfig config = DaemonConfig.load(write("[server]\nlisten = \"tcp://127.0.0.1:7803\"\n"), Map.of(),
            Map.of());
        assertEquals(List.of("tcp://127.0.0.1:7803"), config.listen());
    }

    @Test
    void shouldNameEveryKeyAsFlagAndVariableWhenListed() {
        assertTrue(DaemonConfig.flagNames().containsAll(List.of("--listen", "--event-loops", "--max-frame-length",
            "--security", "--metrics", "--tcp-no-delay", "--backlog", "--send-buffer-size", "--receive-buffer-size",
            "--reuse-address")));
        assertEquals("NETPROTO_SERVER_EVENT_LOOPS", DaemonConfig.Key.SERVER_EVENT_LOOPS.envName());
    }

    @Test
    void shouldReadConnectionLimitsAndTimeoutsWhenGiven() throws IOException {
        DaemonConfig config = DaemonConfig.load(write("""
            [server]
            max_connections = 500
            shutdown_grace_ms = 2500
            [connection]
            handshake_timeout_ms = 3000
            idle_timeout_ms = 0
            heartbeat_interval_ms = 15000
            missed_heartbeats = 2
            max_in_flight_requests = 64
            """), Map.of("NETPROTO_CONNECTION_WRITE_TIMEOUT_MS", "7000"), Map.of());
        assertEquals(500, config.maxConnections());
        assertEquals(java.time.Duration.ofMillis(2500), config.shutdownGrace());
        assertEquals(java.time.Duration.ofSeconds(3), config.connection().handshakeTimeout());
        assertEquals(java.time.Duration.ZERO, config.connection().idleTimeout());
        assertEquals(java.time.Duration.ofSeconds(7), config.connection().writeTimeout());
        assertEquals(java.time.Duration.ofSeconds(15), config.connection().heartbeatInterval());
        assertEquals(2, config.connection().missedHeartbeats());
        assertEquals(64, config.connection().maxInFlightRequests());
    }

    @Test
    void shouldReportWatermarksInTheWrongOrderWithTheOtherProblems() throws IOException {
        ConfigurationException e = fails(write("""
            [connection]
            write_buffer_low_watermark = 2048
            write_buffer_high_watermark = 1024
            """), Map.of(), Map.of());
        assertProblem(e, "write_buffer_high_watermark", "must be above the low watermark");
    }

    private DevCertificates certificates() throws IOException {
        return DevCertificates.generate("localhost", dir.resolve("certs"));
    }

    @Test
    void shouldReadTheTlsSectionWhenTheServerListensOnTls() throws IOException {
        DevCertificates certs = certificates();
        Path file = write("""
            [server]
            listen = "tls://127.0.0.1:7443"
            [tls]
            certificate_chain = "%s"
            private_key = "%s"
            trust_certificates = "%s"
            client_auth = "require"
            reload_interval_ms = 2500
            """.formatted(certs.serverCertificate(), certs.serverKey(), certs.caCertificate()));
        DaemonConfig config = DaemonConfig.load(file, Map.of(), Map.of());
        TlsConfig tls = config.tls();
        assertEquals("tls", config.security(), "tls:// endpoints imply security tls");
        assertEquals(TlsConfig.Role.SERVER, tls.role());
        assertEquals(certs.serverCertificate(), tls.certificateChain());
        assertEquals(certs.serverKey(), tls.privateKey());
        assertEquals(certs.caCertificate(), tls.trustCertificates());
        assertEquals(TlsConfig.ClientAuth.REQUIRE, tls.clientAuth());
        assertEquals(Duration.ofMillis(2500), tls.reloadInterval());

        DaemonConfig overridden = DaemonConfig.load(file, Map.of("NETPROTO_TLS_CLIENT_AUTH", "Optional"),
            Map.of("--tls-reload-interval-ms", List.of("0")));
        assertEquals(TlsConfig.ClientAuth.OPTIONAL, overridden.tls().clientAuth());
        assertEquals(Duration.ZERO, overridden.tls().reloadInterval());
        assertEquals(null, DaemonConfig.defaults().tls(), "no TLS without tls:// endpoints");
    }

    @Test
    void shouldReportEveryBadTlsValueWithItsKeyAndSource() throws IOException {
        DevCertificates certs = certificates();
        Path file = write("""
            [server]
            listen = "tls://127.0.0.1:7443"
            [tls]
            certificate_chain = "%s"
            private_key = "%s"
            client_auth = "sometimes"
            reload_interval_ms = -1
            """.formatted(dir.resolve("absent.pem"), certs.serverKey()));
        Path missingKey = dir.resolve("absent.key");
        ConfigurationException e = fails(file, Map.of("NETPROTO_TLS_PRIVATE_KEY", missingKey.toString()),
            Map.of("--tls-trust-certificates", List.of(dir.toString())));
        String source = "[file " + file + "]";
        assertProblem(e, "tls.certificate_chain", "no such file", "absent.pem", source);
        assertProblem(e, "tls.private_key", "no such file", missingKey.toString(), "[env NETPROTO_TLS_PRIVATE_KEY]");
        assertProblem(e, "tls.trust_certificates", "not a regular file", dir.toString(),
            "[flag --tls-trust-certificates]");
        assertProblem(e, "tls.client_auth", "none, optional, require", "sometimes", source);
        assertProblem(e, "tls.reload_interval_ms", "0..86400000", "(-1)", source);
        assertEquals(5, e.problems().size(), () -> String.join("\n", e.problems()));
    }

    @Test
    void shouldRequireCertificatesAndOneSchemeWhenTheServerListensOnTls() throws IOException {
        ConfigurationException e = fails(write("""
            [server]
            listen = ["tls://127.0.0.1:7443", "tcp://127.0.0.1:7700"]
            security = "none"
            """), Map.of(), Map.of());
        assertProblem(e, "server.listen", "cannot be mixed");
        assertProblem(e, "server.security", "need security \"tls\"", "none");
        assertProblem(e, "tls.certificate_chain", "required for tls:// endpoints");
        assertProblem(e, "tls.private_key", "required for tls:// endpoints");
        assertEquals(4, e.problems().size(), () -> String.join("\n", e.problems()));
    }

    @Test
    void shouldRefuseTlsSettingsWhenNoEndpointIsTls() throws IOException {
        DevCertificates certs = certificates();
        ConfigurationException e = fails(write("""
            [server]
            listen = "tcp://127.0.0.1:7700"
            security = "tls"
            """), Map.of("NETPROTO_TLS_CERTIFICATE_CHAIN", certs.serverCertificate().toString()), Map.of());
        assertProblem(e, "server.security", "needs tls:// endpoints");
        assertProblem(e, "tls:", "tls.certificate_chain", "no server.listen endpoint is tls://");
    }

    @Test
    void shouldReportClientAuthWithoutTrustedCertificatesWithItsKey() throws IOException {
        DevCertificates certs = certificates();
        ConfigurationException e = fails(null, Map.of(), Map.of(
            "--listen", List.of("tls://127.0.0.1:0"),
            "--tls-certificate-chain", List.of(certs.serverCertificate().toString()),
            "--tls-private-key", List.of(certs.serverKey().toString()),
            "--tls-client-auth", List.of("require")));
        assertProblem(e, "tls.client_auth", "trust_certificates");
    }

    @Test
    void shouldNameTheTlsKeysAsFlagsAndVariablesWithTheirSection() {
        assertTrue(DaemonConfig.flagNames().containsAll(List.of("--tls-certificate-chain", "--tls-private-key",
            "--tls-trust-certificates", "--tls-client-auth", "--tls-reload-interval-ms")),
            DaemonConfig.flagNames()::toString);
        assertEquals("NETPROTO_TLS_PRIVATE_KEY", DaemonConfig.Key.TLS_PRIVATE_KEY.envName());
    }

    @Test
    void shouldRequireAKeyAndAClientPolicyWhenSecurityIsNoise() throws IOException {
        ConfigurationException e = fails(write("""
            [server]
            security = "noise"
            """), Map.of(), Map.of());
        assertProblem(e, "noise.identity", "required");
        assertProblem(e, "noise.authorized_keys", "required", "allow_any_client");
        assertEquals(2, e.problems().size(), () -> String.join("\n", e.problems()));
    }

    @Test
    void shouldRefuseNoiseSettingsWithoutNoiseSecurity() throws IOException {
        ConfigurationException e = fails(write("""
            [noise]
            allow_any_client = true
            """), Map.of(), Map.of());
        assertProblem(e, "noise:", "noise.allow_any_client", "not \"noise\"");
        assertTrue(DaemonConfig.flagNames().containsAll(List.of("--noise-identity", "--noise-authorized-keys",
            "--noise-allow-any-client", "--noise-rekey-after-messages", "--noise-replay-window-ms")));
    }
}
