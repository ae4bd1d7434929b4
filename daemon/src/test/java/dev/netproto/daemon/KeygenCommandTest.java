package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.AuthorizedKeys;
import dev.netproto.api.NoiseIdentity;
import dev.netproto.api.NoisePublicKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class KeygenCommandTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    private int run(String... args) {
        outBytes.reset();
        errBytes.reset();
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            return Main.run(List.of(args), out, err, Map.of(), new AtomicBoolean());
        }
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private boolean posix() {
        return Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
    }

    @Test
    void shouldWriteAnOwnerOnlyKeyAndPrintWhatPeersNeed() throws IOException {
        Path file = dir.resolve("server.key");
        assertEquals(0, run("keygen", "--out", file.toString()), err());
        NoisePublicKey publicKey = NoiseIdentity.load(file).publicKey();
        if (posix()) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        List<String> lines = out().lines().toList();
        assertEquals(List.of(
            "private key: " + file + " (mode 0600: keep it secret)",
            "public key:  " + publicKey,
            "fingerprint: " + publicKey.fingerprint(),
            "authorized_keys line:",
            publicKey + " server.key"), lines);
        assertEquals("", err());

        Path authorized = dir.resolve("authorized_keys");
        Files.writeString(authorized, "# from np keygen\n" + lines.get(4) + "\n");
        if (posix()) {
            Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));
        }
        AuthorizedKeys keys = AuthorizedKeys.load(authorized);
        assertTrue(keys.contains(publicKey));
        assertEquals("server.key", keys.commentFor(publicKey).orElseThrow());
    }

    @Test
    void shouldRefuseToOverwriteWithoutForceAndReplaceWithIt() throws IOException {
        Path file = dir.resolve("client.key");
        assertEquals(0, run("keygen", "--out=" + file));
        String first = Files.readString(file);

        assertEquals(2, run("keygen", "--out", file.toString()));
        assertEquals("np keygen: --out: " + file + " already exists; pass --force to replace it (the key in it is "
            + "lost, and peers that trust it must be given the new public key)\n", err());
        assertEquals("", out());
        assertEquals(first, Files.readString(file), "the existing key is untouched");

        assertEquals(0, run("keygen", "--force", "--out", file.toString()), err());
        assertNotEquals(first, Files.readString(file));
        NoisePublicKey replaced = NoiseIdentity.load(file).publicKey();
        assertTrue(out().contains("public key:  " + replaced + "\n"), out());
        if (posix()) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void shouldExitTwoNamingTheFlagWhenOutIsMissingOrForceHasAValue() {
        assertEquals(2, run("keygen"));
        assertEquals("np keygen: --out: the file to write the private key into is required\n", err());
        assertEquals(2, run("keygen", "--out", dir.resolve("a.key").toString(), "--force=yes"));
        assertTrue(err().contains("--force: takes no value (yes); write --force alone"), err());
        assertEquals(2, run("keygen", "--out", dir.resolve("b.key").toString(), "--bits", "256"));
        assertTrue(err().contains("--bits: unknown flag"), err());
        assertTrue(Files.notExists(dir.resolve("a.key")) && Files.notExists(dir.resolve("b.key")));
    }

    @Test
    void shouldExitOneNamingTheFileWhenItsDirectoryIsMissing() {
        Path file = dir.resolve("no").resolve("such").resolve("dir.key");
        assertEquals(1, run("keygen", "--out", file.toString()));
        assertEquals("np keygen: cannot write Noise key file " + file + ": no such file or directory\n", err());
    }
}
