package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.NetprotoException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The entry point of the {@code np} command: {@code serve}, {@code bench}, {@code demo}, {@code keygen},
 * {@code certgen}, {@code help} and {@code --version}.
 *
 * <p>Exit status: 0 on success (and when {@code np serve} is stopped by SIGINT or SIGTERM), 1 when the work
 * failed (a server cannot bind, a target cannot be reached), 2 for a usage or configuration error.
 */
public final class Main {
    /** Exit status of success. */
    static final int EXIT_OK = 0;
    /** Exit status when the work failed. */
    static final int EXIT_FAILURE = 1;
    /** Exit status of a usage or configuration error. */
    static final int EXIT_USAGE = 2;

    static final String USAGE = """
        usage: np <command> [flags]

        commands:
          serve     run a server with an echo route until SIGINT or SIGTERM
                      --config FILE       TOML file; NETPROTO_<SECTION>_<KEY> variables override it,
                                          and flags override both
                      --listen URI        where to listen; repeatable or comma-separated
                                          (default tcp://127.0.0.1:7700)
                      every other key is a flag too: --event-loops N, --max-frame-length BYTES,
                      --security NAME, --metrics NAME, --tcp-no-delay BOOL, --backlog N,
                      --send-buffer-size BYTES, --receive-buffer-size BYTES, --reuse-address BOOL,
                      --idle-spin-us US (event loops poll this long before blocking, 0..10000; default 0)
                      --memory-budget-mb MB (direct memory the server's buffers may hold; default 0:
                                          three quarters of the JVM's -XX:MaxDirectMemorySize)
                      TLS (with tls:// endpoints only; [tls] in the file, NETPROTO_TLS_<KEY>):
                      --tls-certificate-chain FILE  PEM, the server's certificate first
                      --tls-private-key FILE        PEM, its key
                      --tls-trust-certificates FILE PEM CAs that client certificates chain to
                      --tls-client-auth MODE        none (default), optional or require
                      --tls-reload-interval-ms MS   check the files for rotation at most this often
                                                    (default 10000; 0 never)
                      Noise (with --security noise only; [noise] in the file, NETPROTO_NOISE_<KEY>):
                      --noise-identity FILE         the server's key file (np keygen)
                      --noise-authorized-keys FILE  client public keys let in, one per line
                      --noise-allow-any-client BOOL let in any client instead (default false)
                      --noise-rekey-after-messages N, --noise-replay-window-ms MS
          bench     measure request round trips against a server; prints one line
                      --target URI        (default tcp://127.0.0.1:7700)
                      --route NAME        (default echo; echo responses are length-checked)
                      --connections C     connections to open (default 1)
                      --depth D           requests in flight per connection (default 1)
                      --size S            request body bytes (default 64)
                      --seconds T         measured seconds (default 10)
                      --warmup W          warm-up seconds, not measured (default 2)
                      --body KIND         random (default, incompressible) or json (JSON-like text)
                      --compression LIST  none (default), all, or names in preference order such as lz4,zstd
                      --idle-spin-us US   the client loop polls this long before blocking (0..10000; default 0)
                      --allow-errors      exit 0 even if requests failed (by default errors > 0 exits 1)
                      for a tls:// target:
                      --tls-ca FILE       PEM CAs to trust (default: the JDK's CAs)
                      --tls-cert FILE     client certificate (PEM), with --tls-key FILE, for mutual TLS
                      --tls-pin LIST      sha256/<base64> pins of the server's key, comma-separated,
                                          checked in addition to the chain
                      --tls-server-name N host name to send and verify instead of the target's
                      against a server with security noise:
                      --noise-server-key K  the server's public key as np keygen printed it (pinned)
                      --noise-key FILE      this client's key file; without it the client is anonymous (NK)
                      --noise-ciphers LIST  AESGCM,ChaChaPoly (default) or one of them
          demo      start a server in this process and bench it twice (about 10 s)
          keygen    generate a Noise static key pair; prints the public key, its fingerprint and
                    the line for an authorized_keys file (docs/SECURITY.md)
                      --out FILE          where to write the private key (created with mode 0600)
                      --force             replace FILE if it exists
          certgen   write development TLS certificates: a CA, a server and a client certificate (PEM)
                      --cn NAME           the server's host name or IP address (default localhost)
                      --out DIR           where to write ca.pem, server.pem/.key, client.pem/.key
          help      print this text

        flags: --help prints this text, --version the version.
        exit status: 0 success, 1 failure, 2 usage or configuration error.
        """;

    /** Set once main is about to exit the JVM itself, so that the serve shutdown hook keeps that status. */
    private static final AtomicBoolean EXITING = new AtomicBoolean();

    private Main() {
    }

    /**
     * Runs {@code np} and exits the JVM with its status.
     *
     * @param args the command and its flags
     */
    public static void main(String[] args) {
        configureLogging();
        int status = run(List.of(args), System.out, System.err, System.getenv(), EXITING);
        EXITING.set(true);
        System.out.flush();
        System.err.flush();
        // Exit explicitly: a library thread that is not a daemon must not keep a finished command alive.
        System.exit(status);
    }

    /**
     * Runs one command.
     *
     * @param args    the command and its flags
     * @param out     standard output
     * @param err     standard error
     * @param env     the environment, for {@code np serve}'s configuration
     * @param exiting see {@link ServeCommand#run}
     * @return the exit status
     */
    static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env,
                   AtomicBoolean exiting) {
        if (args.isEmpty()) {
            out.print(USAGE);
            return EXIT_OK;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(USAGE);
            return EXIT_OK;
        }
        try {
            return switch (command) {
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield EXIT_OK;
                }
                case "--version", "version" -> {
                    out.println("np " + version());
                    yield EXIT_OK;
                }
                case "serve" -> ServeCommand.run(Flags.parse(rest, ServeCommand.flags(), Set.of("--listen")), env,
                    out, err, exiting);
                case "bench" -> BenchCommand.run(Flags.parse(rest, BenchSpec.FLAGS, Set.of(), BenchSpec.SWITCHES),
                    out, err);
                case "demo" -> {
                    Flags.parse(rest, Set.of(), Set.of());
                    yield DemoCommand.run(out);
                }
                case "keygen" -> KeygenCommand.run(rest, out);
                case "certgen" -> CertgenCommand.run(Flags.parse(rest, Set.of("--cn", "--out"), Set.of()), out);
                default -> {
                    err.println("np: unknown command '" + command + "'");
                    err.print(USAGE);
                    yield EXIT_USAGE;
                }
            };
        } catch (ConfigurationException e) {
            List<String> problems = e.problems();
            if (problems.size() == 1) {
                err.println("np " + command + ": " + problems.get(0));
            } else {
                err.println("np " + command + ": " + problems.size() + " problems:");
                for (String problem : problems) {
                    err.println("  " + problem);
                }
            }
            if (problems.stream().anyMatch(p -> p.contains(": unknown flag") || p.contains(": missing value")
                || p.contains(": unexpected argument"))) {
                err.println("(np help lists the flags)");
            }
            return EXIT_USAGE;
        } catch (NetprotoException e) {
            err.println("np " + command + ": " + e.getMessage());
            return EXIT_FAILURE;
        } catch (RuntimeException e) {
            // A bug, here or in the engine: report it whole rather than let a non-daemon thread keep the JVM up.
            err.println("np " + command + ": unexpected failure: " + e);
            e.printStackTrace(err);
            return EXIT_FAILURE;
        }
    }

    /**
     * Returns the version of this build.
     *
     * @return such as {@code 0.1.0-SNAPSHOT}, or {@code unknown} when not built by Maven
     */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version", "");
                if (!version.isEmpty() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException ignore) {
            // Reading a resource of our own jar fails only if the jar is damaged; the version is not worth failing.
        }
        return "unknown";
    }

    /**
     * Sets slf4j-simple's defaults before the first logger exists: info for netproto, warn for libraries, to
     * standard error with a timestamp. A {@code -D} given on the command line wins.
     */
    private static void configureLogging() {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.dev.netproto", "info");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
