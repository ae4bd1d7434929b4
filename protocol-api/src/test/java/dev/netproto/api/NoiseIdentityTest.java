package dev.netproto.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class NoiseIdentityTest {
    /** RFC 7748 section 6.1: Alice's private key, whose public key is {@link NoisePublicKeyTest#ALICE_TEXT}. */
    private static final String ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private static final String ALICE_PRIVATE_BASE64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private static final String BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private static final String BOB_PUBLIC = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";
    private static final String ALICE_FILE = NoiseIdentity.FILE_HEADER + "\n" + ALICE_PRIVATE_BASE64 + "\n"
        + NoisePublicKeyTest.ALICE_TEXT + "\n";

    @TempDir
    Path dir;

    private static NoiseIdentity alice() {
        return NoiseIdentity.fromPrivateKey(HexFormat.of().parseHex(ALICE_PRIVATE));
    }

    private boolean posix() {
        return Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
    }

    private Path write(String name, String content, String permissions) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        if (posix()) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        }
        return file;
    }

    private static String permissions(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private ConfigurationException assertRefused(Path file, String expected) {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> NoiseIdentity.load(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        return e;
    }

    @Test
    void shouldDeriveTheRfc7748PublicKeysWhenGivenTheirPrivateKeys() {
        assertEquals(NoisePublicKeyTest.ALICE_TEXT, alice().publicKey().toString());
        assertEquals(BOB_PUBLIC, NoiseIdentity.fromPrivateKey(HexFormat.of().parseHex(BOB_PRIVATE)).publicKey()
            .toString());
    }

    @Test
    void shouldGenerateDifferentKeysThatRebuildFromTheirPrivateHalves() {
        NoiseIdentity a = NoiseIdentity.generate();
        NoiseIdentity b = NoiseIdentity.generate();
        assertNotEquals(a.publicKey(), b.publicKey());
        byte[] k = a.privateKeyBytes();
        assertEquals(NoiseIdentity.PRIVATE_KEY_LENGTH, k.length);
        assertEquals(a.publicKey(), NoiseIdentity.fromPrivateKey(k).publicKey());
    }

    @Test
    void shouldCopyThePrivateKeyInAndOutWhenRebuilding() {
        byte[] k = HexFormat.of().parseHex(ALICE_PRIVATE);
        NoiseIdentity identity = NoiseIdentity.fromPrivateKey(k);
        Arrays.fill(k, (byte) 0);
        assertArrayEquals(HexFormat.of().parseHex(ALICE_PRIVATE), identity.privateKeyBytes());
        identity.privateKeyBytes()[0] ^= 1;
        assertArrayEquals(HexFormat.of().parseHex(ALICE_PRIVATE), identity.privateKeyBytes());
        assertThrows(IllegalArgumentException.class, () -> NoiseIdentity.fromPrivateKey(new byte[33]));
        assertThrows(NullPointerException.class, () -> NoiseIdentity.fromPrivateKey(null));
    }

    @Test
    void shouldWriteTheDocumentedFormatOwnerOnlyWhenSaving() throws IOException {
        Path file = dir.resolve("server.key");
        alice().save(file);
        assertEquals(ALICE_FILE, Files.readString(file, StandardCharsets.US_ASCII));
        if (posix()) {
            assertEquals("rw-------", permissions(file));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void shouldReadBackWhatItSavedWhenLoading() throws IOException {
        NoiseIdentity generated = NoiseIdentity.generate();
        Path file = dir.resolve("client.key");
        generated.save(file);
        NoiseIdentity loaded = NoiseIdentity.load(file);
        assertEquals(generated.publicKey(), loaded.publicKey());
        assertArrayEquals(generated.privateKeyBytes(), loaded.privateKeyBytes());
    }

    @Test
    void shouldRefuseToOverwriteUnlessAskedWhenSaving() throws IOException {
        Path file = dir.resolve("server.key");
        alice().save(file);
        NoiseIdentity other = NoiseIdentity.generate();
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> other.save(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertThrows(FileAlreadyExistsException.class, () -> other.save(file, false));
        assertEquals(ALICE_FILE, Files.readString(file), "the existing key is untouched");

        other.save(file, true);
        assertEquals(other.publicKey(), NoiseIdentity.load(file).publicKey());
        if (posix()) {
            assertEquals("rw-------", permissions(file));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void shouldMakeAReplacedFileOwnerOnlyWhenItWasOpenBefore() throws IOException {
        assumeTrue(posix());
        Path file = write("server.key", "old", "rw-r--r--");
        alice().save(file, true);
        assertEquals("rw-------", permissions(file));
    }

    @Test
    void shouldNameTheFileWhenTheDirectoryIsMissingOrTheTargetIsADirectory() {
        Path file = dir.resolve("missing").resolve("server.key");
        IOException e = assertThrows(IOException.class, () -> alice().save(file));
        assertTrue(e.getMessage().contains("cannot write Noise key file " + file), e.getMessage());
        IOException d = assertThrows(IOException.class, () -> alice().save(dir, true));
        assertTrue(d.getMessage().contains(dir + ": it is a directory"), d.getMessage());
    }

    @Test
    void shouldRefuseAFileThatOthersCanReadAndSayToChmodWhenLoading() throws IOException {
        assumeTrue(posix());
        for (String open : List.of("rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rwx-----x")) {
            Path file = write("open.key", ALICE_FILE, open);
            ConfigurationException e = assertRefused(file, "permissions " + open + " are too open");
            assertTrue(e.getMessage().endsWith("run: chmod 600 " + file), e.getMessage());
        }
        assertEquals(alice().publicKey(), NoiseIdentity.load(write("ro.key", ALICE_FILE, "r--------")).publicKey());
    }

    @Test
    void shouldRefuseAPublicKeyThatDoesNotMatchThePrivateKeyWhenLoading() throws IOException {
        Path file = write("edited.key", ALICE_FILE.replace(NoisePublicKeyTest.ALICE_TEXT, BOB_PUBLIC), "rw-------");
        assertRefused(file, "the public key on line 3 (" + NoisePublicKey.parse(BOB_PUBLIC).fingerprint()
            + ") does not belong to the private key on line 2 (" + NoisePublicKeyTest.ALICE_FINGERPRINT
            + "): the file was edited or damaged");
    }

    @Test
    void shouldRefuseMalformedFilesWithoutEchoingTheirContentWhenLoading() throws IOException {
        assertRefused(write("a.key", "", "rw-------"), "empty");
        assertRefused(write("b.key", ALICE_PRIVATE_BASE64 + "\n", "rw-------"),
            "not a Noise key file: the first line must be netproto-noise-private-key-v1");
        assertRefused(write("c.key", ALICE_FILE.replace("-v1", "-v2"), "rw-------"),
            "unsupported key file version");
        assertRefused(write("d.key", ALICE_FILE + "extra\n", "rw-------"), "this one has 4");
        assertRefused(write("e.key", NoiseIdentity.FILE_HEADER + "\n" + ALICE_PRIVATE_BASE64 + "\n", "rw-------"),
            "this one has 2");
        String shortKey = ALICE_PRIVATE_BASE64.substring(1);
        assertRefused(write("f.key", ALICE_FILE.replace(ALICE_PRIVATE_BASE64, shortKey), "rw-------"),
            "line 2: the private key must be 44 characters of standard base64 (32 bytes)");
        String badChar = "*" + ALICE_PRIVATE_BASE64.substring(1);
        ConfigurationException e = assertRefused(write("g.key", ALICE_FILE.replace(ALICE_PRIVATE_BASE64, badChar),
            "rw-------"), "line 2: the private key must be");
        assertFalse(e.getMessage().contains(badChar.substring(1, 20)), "never shows the private key");
        assertRefused(write("h.key", ALICE_FILE.replace(NoisePublicKeyTest.ALICE_TEXT, "abc"), "rw-------"),
            "line 3: a Noise public key is 44 characters");
        assertRefused(write("big.key", ALICE_FILE + "#".repeat(NoiseIdentity.MAX_FILE_BYTES), "rw-------"),
            "too large for a Noise key file (1144 bytes, at most 1024)");
        assertRefused(dir, "not a regular file");
    }

    @Test
    void shouldAcceptCrLfLineEndsAndMissingOrExtraFinalLineEndsWhenLoading() throws IOException {
        String crlf = ALICE_FILE.replace("\n", "\r\n");
        String noFinal = ALICE_FILE.substring(0, ALICE_FILE.length() - 1);
        String extra = ALICE_FILE + "\n\r\n";
        for (String content : List.of(crlf, noFinal, extra)) {
            assertEquals(alice().publicKey(), NoiseIdentity.load(write("x.key", content, "rw-------")).publicKey());
        }
    }

    @Test
    void shouldNameTheFileWhenItDoesNotExist() {
        Path file = dir.resolve("nope.key");
        IOException e = assertThrows(IOException.class, () -> NoiseIdentity.load(file));
        assertEquals("cannot read Noise key file " + file + ": no such file or directory", e.getMessage());
    }

    @Test
    void shouldRefuseThePrivateKeyButKeepThePublicKeyWhenDestroyed() {
        NoiseIdentity identity = alice();
        assertFalse(identity.isDestroyed());
        identity.destroy();
        identity.close();
        assertTrue(identity.isDestroyed());
        assertThrows(IllegalStateException.class, identity::privateKeyBytes);
        assertThrows(IllegalStateException.class, () -> identity.save(dir.resolve("gone.key")));
        assertFalse(Files.exists(dir.resolve("gone.key")));
        assertEquals(NoisePublicKeyTest.ALICE_TEXT, identity.publicKey().toString());
    }

    @Test
    void shouldShowOnlyTheFingerprintWhenPrinted() {
        assertEquals("NoiseIdentity[" + NoisePublicKeyTest.ALICE_FINGERPRINT + "]", alice().toString());
    }
}
