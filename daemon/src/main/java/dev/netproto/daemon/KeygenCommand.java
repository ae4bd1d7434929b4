package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.NetprotoException;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoisePublicKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code np keygen --out FILE [--force]}: generates a Noise static key pair, writes it owner-only in the key file
 * format of {@link NoiseIdentity}, and prints the public key, its fingerprint and the line to add to an
 * authorized keys file.
 */
final class KeygenCommand {
    /** The flags with a value; {@code --force} is a switch, taken out before parsing. */
    static final Set<String> FLAGS = Set.of("--out", "--force");

    private static final String FORCE = "--force";

    private KeygenCommand() {
    }

    /**
     * Runs {@code np keygen}.
     *
     * @param args the arguments after {@code keygen}
     * @param out  receives where the key went, the public key, its fingerprint and the authorized keys line
     * @return 0
     * @throws ConfigurationException if a flag is wrong or missing, or the file exists and {@code --force} is absent
     * @throws NetprotoException      if the file cannot be written
     */
    static int run(List<String> args, PrintStream out) {
        List<String> rest = new ArrayList<>(args);
        boolean force = rest.removeIf(FORCE::equals);
        Flags flags = Flags.parse(rest, FLAGS, Set.of());
        String forceValue = flags.text(FORCE, null);
        if (forceValue != null) {
            throw new ConfigurationException(FORCE, "takes no value (" + forceValue + "); write --force alone");
        }
        String outText = flags.text("--out", null);
        if (outText == null || outText.isBlank()) {
            throw new ConfigurationException("--out", "the file to write the private key into is required");
        }
        Path file = Path.of(outText);
        try (NoiseIdentity identity = NoiseIdentity.generate()) {
            try {
                identity.save(file, force);
            } catch (FileAlreadyExistsException e) {
                throw new ConfigurationException("--out", file + " already exists; pass --force to replace it (the "
                    + "key in it is lost, and peers that trust it must be given the new public key)");
            } catch (IOException e) {
                throw new NetprotoException(e.getMessage(), e);
            }
            NoisePublicKey publicKey = identity.publicKey();
            boolean posix = Files.getFileAttributeView(file, PosixFileAttributeView.class) != null;
            out.println("private key: " + file + (posix ? " (mode 0600: keep it secret)"
                : " (this file system has no POSIX permissions: make the file readable by you only)"));
            out.println("public key:  " + publicKey);
            out.println("fingerprint: " + publicKey.fingerprint());
            out.println("authorized_keys line:");
            out.println(publicKey + " " + comment(file));
        }
        return 0;
    }

    /** The file's name as the authorized keys comment, with control characters replaced so it stays one line. */
    private static String comment(Path file) {
        Path name = file.getFileName();
        String text = name == null ? file.toString() : name.toString();
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.toString();
    }
}
