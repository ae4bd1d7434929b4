package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.Endpoint;
import dev.netproto.api.NetprotoException;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.Server;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EndToEndTest {
    @TempDir
    Path dir;

    @Test
    void shouldCompleteRoundTripsWithoutErrorsWhenBenchingTheServeServer() {
        Flags flags = Flags.parse(List.of("--listen", "tcp://127.0.0.1:0", "--event-loops", "2"),
            ServeCommand.flags(), Set.of("--listen"));
        DaemonConfig config = ServeCommand.config(flags, Map.of());
        try (Server server = ServeCommand.start(config)) {
            List<Endpoint> endpoints = server.endpoints();
            assertEquals(1, endpoints.size());
            assertTrue(endpoints.get(0).port() > 0, endpoints.toString());

            BenchSpec spec = new BenchSpec(endpoints.get(0).toString(), BenchSpec.ECHO_ROUTE, 2, 4, 64,
                Duration.ZERO, Duration.ofSeconds(1));
            BenchResult result = LoadGenerator.run(spec, ClientOptions.defaults());

            assertTrue(result.completed() > 0, result.line());
            assertEquals(0, result.errors(), result.line());
            assertEquals(result.completed(), result.latencyNs().getTotalCount(), result.line());
        }
    }

    /**
     * Writes development certificates into {@code certs} as {@code np certgen} does, and returns what it printed.
     */
    private String certgen(Path certs) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            assertEquals(0, CertgenCommand.run(Flags.parse(List.of("--cn", "localhost", "--out", certs.toString()),
                Set.of("--cn", "--out"), Set.of()), out));
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    /** Starts {@code np serve} on a free loopback port from a TOML file, with flags on top. */
    private static Server serve(Path config, String... flags) {
        List<String> args = new ArrayList<>(List.of("--config", config.toString(), "--event-loops", "2"));
        args.addAll(List.of(flags));
        return ServeCommand.start(ServeCommand.config(Flags.parse(args, ServeCommand.flags(), Set.of("--listen")),
            Map.of()));
    }

    /** Runs {@code np bench} for one second and returns its line. */
    private static String bench(String target, String... tlsFlags) {
        List<String> args = new ArrayList<>(List.of("--target", target, "--connections", "2", "--depth", "4",
            "--seconds", "1", "--warmup", "0"));
        args.addAll(List.of(tlsFlags));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            assertEquals(0, BenchCommand.run(Flags.parse(args, BenchSpec.FLAGS, Set.of()), out));
        }
        return printed.toString(StandardCharsets.UTF_8).strip();
    }

    private static void assertRoundTripsWithoutErrors(String line) {
        Matcher m = Pattern.compile("msgs_per_sec=(\\d+) .* errors=(\\d+)").matcher(line);
        assertTrue(m.find(), line);
        assertTrue(Long.parseLong(m.group(1)) > 0, line);
        assertEquals("0", m.group(2), line);
    }

    @Test
    void shouldCompleteRoundTripsOverTlsWhenBenchingTheServeServerWithCertgenCertificates() throws IOException {
        Path certs = dir.resolve("certs");
        certgen(certs);
        Path config = Files.writeString(dir.resolve("np.toml"), """
            [server]
            listen = "tls://127.0.0.1:0"
            [tls]
            certificate_chain = "%s"
            private_key = "%s"
            """.formatted(certs.resolve("server.pem"), certs.resolve("server.key")));
        try (Server server = serve(config)) {
            String target = server.endpoints().get(0).toString();
            assertTrue(target.startsWith("tls://127.0.0.1:"), target);
            assertRoundTripsWithoutErrors(bench(target, "--tls-ca", certs.resolve("ca.pem").toString()));
        }
    }

    @Test
    void shouldBenchOverMutualTlsOnlyWithTheClientCertificate() throws IOException {
        Path certs = dir.resolve("certs");
        Matcher pin = Pattern.compile("server pin: +(\\S+)").matcher(certgen(certs));
        assertTrue(pin.find(), "certgen prints the server's pin");
        Path config = Files.writeString(dir.resolve("np.toml"), """
            [tls]
            certificate_chain = "%s"
            private_key = "%s"
            trust_certificates = "%s"
            client_auth = "require"
            """.formatted(certs.resolve("server.pem"), certs.resolve("server.key"), certs.resolve("ca.pem")));
        try (Server server = serve(config, "--listen", "tls://127.0.0.1:0")) {
            String target = server.endpoints().get(0).toString();
            String ca = certs.resolve("ca.pem").toString();
            assertRoundTripsWithoutErrors(bench(target, "--tls-ca", ca, "--tls-cert",
                certs.resolve("client.pem").toString(), "--tls-key", certs.resolve("client.key").toString(),
                "--tls-pin", pin.group(1)));
            NetprotoException e = assertThrows(NetprotoException.class, () -> bench(target, "--tls-ca", ca));
            assertTrue(e.getMessage().contains("certificate_required"), e::toString);
        }
    }

    @Test
    void shouldBenchANoiseServerWithKeysFromKeygen() throws IOException {
        NoiseIdentity serverKey = NoiseIdentity.generate();
        NoiseIdentity clientKey = NoiseIdentity.generate();
        Path serverFile = dir.resolve("server.key");
        Path clientFile = dir.resolve("client.key");
        serverKey.save(serverFile);
        clientKey.save(clientFile);
        Path authorized = Files.writeString(dir.resolve("clients.keys"), clientKey.publicKey() + " bench\n");
        Path config = Files.writeString(dir.resolve("np.toml"), """
            [server]
            listen = "tcp://127.0.0.1:0"
            security = "noise"
            [noise]
            identity = "%s"
            authorized_keys = "%s"
            """.formatted(serverFile, authorized));
        try (Server server = serve(config)) {
            String target = server.endpoints().get(0).toString();
            assertRoundTripsWithoutErrors(bench(target, "--noise-server-key", serverKey.publicKey().toString(),
                "--noise-key", clientFile.toString()));
            NetprotoException stranger = assertThrows(NetprotoException.class, () -> bench(target,
                "--noise-server-key", serverKey.publicKey().toString()));
            assertTrue(stranger.getMessage().contains("no common Noise protocol"), stranger::toString);
        }
    }
}
