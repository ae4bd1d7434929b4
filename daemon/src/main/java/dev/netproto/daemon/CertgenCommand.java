package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.NetprotoException;
import dev.netproto.transport.tls.DevCertificates;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code np certgen --cn NAME --out DIR}: writes development certificates (a CA, a server certificate for NAME and
 * a client certificate, keys owner-only) and prints where they went and the server's pin.
 */
final class CertgenCommand {
    private CertgenCommand() {
    }

    /**
     * Runs {@code np certgen}.
     *
     * @param flags the parsed flags
     * @param out   receives the paths and the pin
     * @return 0
     * @throws ConfigurationException if {@code --out} is missing or {@code --cn} is not a host name or address
     * @throws NetprotoException      if the files cannot be written
     */
    static int run(Flags flags, PrintStream out) {
        String cn = flags.text("--cn", "localhost");
        String dir = flags.text("--out", null);
        if (dir == null) {
            throw new ConfigurationException("--out", "the directory to write the certificates into is required");
        }
        DevCertificates written;
        try {
            written = DevCertificates.generate(cn, Path.of(dir));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("--cn", e.getMessage());
        } catch (IOException e) {
            throw new NetprotoException("cannot write certificates into " + dir + ": " + e.getMessage(), e);
        }
        out.println("ca certificate:     " + written.caCertificate());
        out.println("server certificate: " + written.serverCertificate());
        out.println("server key:         " + written.serverKey());
        out.println("client certificate: " + written.clientCertificate());
        out.println("client key:         " + written.clientKey());
        out.println("server pin:         " + written.serverPin());
        out.println("valid for " + DevCertificates.VALIDITY_DAYS + " days; for development only");
        return 0;
    }
}
