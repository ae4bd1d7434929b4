package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MainTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            return Main.run(List.of(args), out, err, env, new AtomicBoolean());
        }
    }

    private int run(String... args) {
        return run(Map.of(), args);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintUsageWhenNoCommandOrHelpIsGiven() {
        for (String[] args : new String[][] {{}, {"help"}, {"--help"}, {"bench", "--help"}}) {
            outBytes.reset();
            assertEquals(0, run(args));
            assertTrue(out().startsWith("usage: np"), out());
        }
    }

    @Test
    void shouldPrintUsageAndExitTwoWhenTheCommandIsUnknown() {
        assertEquals(2, run("srve"));
        assertTrue(err().contains("unknown command 'srve'"), err());
        assertTrue(err().contains("usage: np"), err());
    }

    @Test
    void shouldPrintTheVersionWhenAsked() {
        assertEquals(0, run("--version"));
        assertTrue(out().startsWith("np "), out());
        assertFalse(out().contains("${"), out());
    }

    @Test
    void shouldExitTwoNamingTheFlagWhenKeygenHasNoOut() {
        assertEquals(2, run("keygen"));
        assertTrue(err().contains("np keygen: --out: the file to write the private key into is required"), err());
    }

    @Test
    void shouldWriteDevelopmentCertificatesWithOwnerOnlyKeys(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        assertEquals(0, run("certgen", "--cn", "node.test", "--out", dir.toString()));
        assertTrue(out().contains("server pin:         sha256/"), out());
        for (String file : List.of("ca.pem", "server.pem", "server.key", "client.pem", "client.key")) {
            assertTrue(java.nio.file.Files.exists(dir.resolve(file)), file);
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            java.nio.file.Files.getPosixFilePermissions(dir.resolve("server.key"))));
        assertEquals(2, run("certgen", "--cn", "node.test"));
        assertTrue(err().contains("--out: the directory to write the certificates into is required"), err());
    }

    @Test
    void shouldReportEveryBadBenchFlagWhenSeveralAreWrong() {
        assertEquals(2, run("bench", "--connections", "0", "--depth=abc", "--size", "-1", "--seconds", "0",
            "--warmup", "-2", "--target", "tcp://h", "--route", ""));
        String err = err();
        assertTrue(err.contains("np bench: 7 problems:"), err);
        assertTrue(err.contains("--target: missing port (tcp://h)"), err);
        assertTrue(err.contains("--route: name must not be empty"), err);
        for (String flag : List.of("--connections", "--depth", "--size", "--seconds", "--warmup", "--target",
            "--route")) {
            assertTrue(err.contains("  " + flag + ": "), flag + " missing in " + err);
        }
    }

    @Test
    void shouldRejectUnknownRepeatedAndIncompleteFlagsWhenParsing() {
        assertEquals(2, run("bench", "--conections", "2", "--depth", "1", "--depth", "2", "stray", "--size"));
        String err = err();
        assertTrue(err.contains("--conections: unknown flag"), err);
        assertTrue(err.contains("--depth: given more than once (1, then 2)"), err);
        assertTrue(err.contains("stray: unexpected argument"), err);
        assertTrue(err.contains("--size: missing value"), err);
    }

    @Test
    void shouldRejectFlagsWhenDemoTakesNone() {
        assertEquals(2, run("demo", "--seconds", "1"));
        assertTrue(err().contains("--seconds: unknown flag"), err());
    }

    @Test
    void shouldExitTwoNamingTheVariableWhenServeConfigurationIsInvalid() {
        assertEquals(2, run(Map.of("NETPROTO_SERVER_EVENT_LOOPS", "many"), "serve", "--backlog", "-5"));
        String err = err();
        assertTrue(err.contains("np serve: 2 problems:"), err);
        assertTrue(err.contains("[env NETPROTO_SERVER_EVENT_LOOPS]"), err);
        assertTrue(err.contains("transport.backlog: must be >= 0 (-5) [flag --backlog]"), err);
    }

    @Test
    void shouldExitTwoReportingAnUnknownSchemeWithTheOtherServeProblemsInOneRun() {
        assertEquals(2, run(Map.of("NETPROTO_SERVER_EVENT_LOOPS", "many"), "serve", "--listen",
            "udp://127.0.0.1:0"));
        String err = err();
        assertTrue(err.contains("np serve: 2 problems:"), err);
        assertTrue(err.contains("server.event_loops: expected an integer (\"many\") [env NETPROTO_SERVER_EVENT_LOOPS]"),
            err);
        assertTrue(err.contains("server.listen[0]: unknown transport scheme 'udp'; found: ["), err);
        assertTrue(err.contains("] [flag --listen]"), err);
    }

    @Test
    void shouldUseDefaultsWhenBenchFlagsAreAbsent() {
        BenchSpec spec = BenchSpec.fromFlags(Flags.parse(List.of(), BenchSpec.FLAGS, Set.of()));
        assertEquals(new BenchSpec("tcp://127.0.0.1:7700", "echo", 1, 1, 64, Duration.ofSeconds(2),
            Duration.ofSeconds(10)), spec);
    }

    @Test
    void shouldAcceptFractionalSecondsWhenGiven() {
        BenchSpec spec = BenchSpec.fromFlags(Flags.parse(List.of("--seconds=0.5", "--warmup", "0", "--connections",
            "3"), BenchSpec.FLAGS, Set.of()));
        assertEquals(Duration.ofMillis(500), spec.measured());
        assertEquals(Duration.ZERO, spec.warmup());
        assertEquals(3, spec.connections());
    }

    @Test
    void shouldRefuseTlsFlagsWhenTheBenchTargetIsNotTls() {
        assertEquals(2, run("bench", "--target", "tcp://127.0.0.1:7700", "--tls-ca", "ca.pem", "--tls-pin", "x"));
        String err = err();
        assertTrue(err.contains("--tls-ca: only for a tls:// --target (tcp://127.0.0.1:7700)"), err);
        assertTrue(err.contains("--tls-pin: only for a tls:// --target"), err);
    }

    @Test
    void shouldNameTheFlagWhenABenchTlsFlagIsWrong(@TempDir Path dir) {
        Path missing = dir.resolve("absent.pem");
        assertEquals(2, run("bench", "--target", "tls://127.0.0.1:7443", "--tls-ca", missing.toString(),
            "--tls-cert", missing.toString(), "--tls-pin", "md5/abc", "--connections", "0"));
        String err = err();
        assertTrue(err.contains("--tls-ca: file not found (" + missing + ")"), err);
        assertTrue(err.contains("--tls-cert: file not found (" + missing + ")"), err);
        assertTrue(err.contains("--tls-key: required with certificate_chain"), err);
        assertTrue(err.contains("--tls-pin: not a pin of the form sha256/"), err);
        assertTrue(err.contains("--connections: must be in 1..10000 (0)"), err);
    }

    @Test
    void shouldExitTwoNamingTheKeyWhenServeTlsFilesHoldNoCertificate(@TempDir Path dir) throws IOException {
        Path chain = Files.writeString(dir.resolve("server.pem"), "not a certificate\n");
        Path key = Files.writeString(dir.resolve("server.key"), "not a key\n");
        assertEquals(2, run("serve", "--listen", "tls://127.0.0.1:0", "--tls-certificate-chain", chain.toString(),
            "--tls-private-key", key.toString()));
        String err = err();
        assertTrue(err.contains("tls.certificate_chain"), err);
        assertTrue(err.contains("tls.private_key"), err);
    }

    /**
     * Issue #13: a script learns that requests failed from the exit status, without parsing the line. Every request
     * here goes to a route the server lacks, so each one fails with UNKNOWN_ROUTE.
     */
    @Test
    void shouldExitOneWhenBenchCountsErrorsUnlessErrorsAreAllowed() {
        try (dev.netproto.api.Server server = dev.netproto.api.Server.builder().listen("tcp://127.0.0.1:0")
            .route("echo", (m, r) -> r.send(m.body())).start()) {
            String target = server.endpoints().get(0).toString();
            assertEquals(1, run("bench", "--target", target, "--route", "missing", "--seconds", "0.2", "--warmup",
                "0"), err());
            assertTrue(out().matches("(?s)msgs_per_sec=\\d+ .* errors=[1-9]\\d*\\s*"), out());
            assertTrue(err().contains("requests failed"), err());
            outBytes.reset();
            errBytes.reset();
            assertEquals(0, run("bench", "--target", target, "--route", "missing", "--seconds", "0.2", "--allow-errors",
                "--warmup", "0"), err());
            assertTrue(out().matches("(?s)msgs_per_sec=\\d+ .* errors=[1-9]\\d*\\s*"), out());
            assertEquals("", err());
            outBytes.reset();
            assertEquals(0, run("bench", "--target", target, "--seconds", "0.2", "--warmup", "0"), err());
            assertTrue(out().contains(" errors=0"), out());
        }
    }

    @Test
    void shouldDocumentAllowErrorsAndRefuseAValueForIt() {
        assertEquals(0, run("help"));
        assertTrue(out().contains("--allow-errors"), out());
        assertEquals(2, run("bench", "--allow-errors=yes"));
        assertTrue(err().contains("--allow-errors: takes no value (yes)"), err());
        errBytes.reset();
        assertEquals(2, run("bench", "--allow-errors", "--allow-errors"));
        assertTrue(err().contains("--allow-errors: given more than once"), err());
    }
}
