package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Security;
import dev.netproto.transport.tls.TlsConfig;
import dev.netproto.transport.tls.TlsContexts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TLS side of {@code np bench} against a {@code tls://} target: which CAs to trust ({@code --tls-ca}; the
 * JDK's default CAs without it), a client certificate for mutual TLS ({@code --tls-cert}, {@code --tls-key}),
 * certificate pins checked in addition to the chain ({@code --tls-pin}, comma-separated) and the host name to
 * verify instead of the target's ({@code --tls-server-name}). Problems name these flags.
 */
final class BenchTls {
    /** The CA bundle flag. */
    static final String CA = "--tls-ca";
    /** The client certificate flag. */
    static final String CERT = "--tls-cert";
    /** The client key flag. */
    static final String KEY = "--tls-key";
    /** The pins flag. */
    static final String PIN = "--tls-pin";
    /** The server name flag. */
    static final String SERVER_NAME = "--tls-server-name";
    /** Every TLS flag of {@code np bench}. */
    static final Set<String> FLAGS = Set.of(CA, CERT, KEY, PIN, SERVER_NAME);

    /** The keys {@link TlsConfig} names its problems with, and the flag that sets each here. */
    private static final Map<String, String> FLAG_BY_KEY = Map.of(
        "tls.trust_certificates", CA,
        "tls.certificate_chain", CERT,
        "tls.private_key", KEY,
        "tls.pins", PIN,
        "tls.server_name", SERVER_NAME);

    private BenchTls() {
    }

    /**
     * Returns the security of the benchmark's connections: TLS from the flags for a {@code tls://} target,
     * otherwise none. Reads the named files.
     *
     * @param flags    the parsed flags
     * @param target   the {@code --target} URI
     * @param problems receives a problem naming the flag for every bad TLS flag, and for TLS flags given with a
     *                 target that is not {@code tls://}
     * @return the security, or {@code null} if a problem was added
     */
    static Security security(Flags flags, String target, List<String> problems) {
        List<String> given = FLAGS.stream().filter(f -> flags.text(f, null) != null).sorted().toList();
        if (!target.startsWith("tls://")) {
            for (String flag : given) {
                problems.add(flag + ": only for a tls:// --target (" + target + ")");
            }
            return given.isEmpty() ? Security.none() : null;
        }
        TlsConfig.Builder config = TlsConfig.client().reloadInterval(Duration.ZERO);
        String ca = flags.text(CA, null);
        if (ca != null) {
            config.trustCertificates(Path.of(ca));
        }
        String cert = flags.text(CERT, null);
        String key = flags.text(KEY, null);
        if (cert != null || key != null) {
            config.certificate(cert == null ? null : Path.of(cert), key == null ? null : Path.of(key));
        }
        String pins = flags.text(PIN, null);
        if (pins != null) {
            List<String> list = new ArrayList<>();
            for (String pin : pins.split(",", -1)) {
                list.add(pin.strip());
            }
            config.pins(list);
        }
        String serverName = flags.text(SERVER_NAME, null);
        if (serverName != null) {
            config.serverName(serverName);
        }
        try {
            return Security.tls(TlsContexts.create(config.build()));
        } catch (ConfigurationException e) {
            for (String problem : e.problems()) {
                problems.add(withFlag(problem));
            }
            return null;
        }
    }

    /** Replaces the {@code tls.<key>} a problem starts with by the flag that sets it here. */
    private static String withFlag(String problem) {
        int colon = problem.indexOf(':');
        String flag = colon < 0 ? null : FLAG_BY_KEY.get(problem.substring(0, colon));
        return flag == null ? problem : flag + problem.substring(colon);
    }
}
