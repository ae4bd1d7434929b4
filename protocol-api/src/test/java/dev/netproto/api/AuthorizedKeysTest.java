package dev.netproto.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class AuthorizedKeysTest {
    private static final NoisePublicKey ALICE = NoisePublicKey.parse(NoisePublicKeyTest.ALICE_TEXT);
    private static final NoisePublicKey BOB = NoisePublicKey.parse("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=");

    @TempDir
    Path dir;

    private Path write(String content) throws IOException {
        Path file = dir.resolve("authorized_keys");
        Files.write(file, content.getBytes(StandardCharsets.UTF_8));
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return file;
    }

    @Test
    void shouldReadKeysWithCommentsSkippingBlankAndCommentLines() throws IOException {
        AuthorizedKeys keys = AuthorizedKeys.load(write("""
            # build agents

               # indented comment
            %s   agent-1 (rack 4)\t
            \t%s
            """.formatted(ALICE, BOB).replace("\n", "\r\n")));
        assertEquals(2, keys.size());
        assertTrue(keys.contains(ALICE));
        assertTrue(keys.contains(BOB));
        assertEquals(Optional.of("agent-1 (rack 4)"), keys.commentFor(ALICE));
        assertEquals(Optional.empty(), keys.commentFor(BOB), "no comment");
        assertEquals(List.of(ALICE, BOB), List.copyOf(keys.keys()));
        assertEquals("AuthorizedKeys[2 keys]", keys.toString());
    }

    @Test
    void shouldRefuseUnlistedKeysWhenChecking() throws IOException {
        AuthorizedKeys keys = AuthorizedKeys.load(write(ALICE + "\n"));
        assertFalse(keys.contains(BOB));
        assertEquals(Optional.empty(), keys.commentFor(BOB));
        assertEquals(0, AuthorizedKeys.load(write("# nobody yet\n\n")).size());
        assertFalse(AuthorizedKeys.of().contains(ALICE), "an empty list allows nobody");
    }

    @Test
    void shouldReportEveryBadLineWithItsNumberAtOnce() throws IOException {
        Path file = write("""
            %s ok
            not-a-key comment
            # fine

            ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8 user@host
            %s
            %s trailing
            """.formatted(ALICE, BOB.toString().substring(4), BOB.toString().replace('+', '-')));
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> AuthorizedKeys.load(file));
        List<String> problems = e.problems();
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file + ":2: a Noise public key is standard base64"), problems.get(0));
        assertTrue(problems.get(1).startsWith(file + ":5: this is an OpenSSH key (ssh-ed25519), not a Noise"),
            problems.get(1));
        assertTrue(problems.get(2).startsWith(file + ":6: a Noise public key is 44 characters"), problems.get(2));
        assertTrue(problems.get(3).startsWith(file + ":7: "), problems.get(3));
        assertTrue(problems.get(3).contains("URL-safe"), problems.get(3));
        assertTrue(e.getMessage().startsWith("invalid configuration (4 problems):"), e.getMessage());
    }

    @Test
    void shouldKeepTheFirstCommentWhenAKeyIsListedTwice() throws IOException {
        AuthorizedKeys keys = AuthorizedKeys.load(write(ALICE + " first\n" + ALICE + " second\n"));
        assertEquals(1, keys.size());
        assertEquals(Optional.of("first"), keys.commentFor(ALICE));
        assertEquals("AuthorizedKeys[1 key]", keys.toString());
    }

    @Test
    void shouldMakeCommentsSafeToLogAndIgnoreAByteOrderMark() throws IOException {
        AuthorizedKeys keys = AuthorizedKeys.load(write("\uFEFF" + ALICE + " evil\u001b[2Jname\tx\n"));
        assertEquals(Optional.of("evil?[2Jname x"), keys.commentFor(ALICE));
    }

    @Test
    void shouldRefuseAFileOthersCanWriteAndSayHowToFixIt() throws IOException {
        Path file = write(ALICE + "\n");
        assumeTrue(Files.getFileAttributeView(file, PosixFileAttributeView.class) != null);
        for (String open : List.of("rw-rw-r--", "rw-r--rw-")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(open));
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> AuthorizedKeys.load(file));
            assertTrue(e.getMessage().contains(file + ": permissions " + open + " let other users change"),
                e.getMessage());
            assertTrue(e.getMessage().endsWith("run: chmod go-w " + file), e.getMessage());
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        assertEquals(1, AuthorizedKeys.load(file).size());
    }

    @Test
    void shouldNameTheFileWhenItIsMissingNotAFileOrNotText() throws IOException {
        Path missing = dir.resolve("nope");
        IOException e = assertThrows(IOException.class, () -> AuthorizedKeys.load(missing));
        assertEquals("cannot read authorized keys file " + missing + ": no such file or directory", e.getMessage());
        ConfigurationException d = assertThrows(ConfigurationException.class, () -> AuthorizedKeys.load(dir));
        assertTrue(d.getMessage().contains(dir + ": not a regular file"), d.getMessage());
        Path binary = write("");
        Files.write(binary, (ALICE + "\n\u00FF\n" + BOB + " caf\u00E9\n").getBytes(StandardCharsets.ISO_8859_1));
        ConfigurationException b = assertThrows(ConfigurationException.class, () -> AuthorizedKeys.load(binary));
        assertEquals(List.of(binary + ":2: not UTF-8 text", binary + ":3: not UTF-8 text"), b.problems());
    }

    @Test
    void shouldHoldTheGivenKeysWhenBuiltInCode() {
        AuthorizedKeys keys = AuthorizedKeys.of(ALICE, BOB, ALICE);
        assertEquals(2, keys.size());
        assertTrue(keys.contains(NoisePublicKey.of(ALICE.bytes())));
        assertEquals(Optional.empty(), keys.commentFor(ALICE));
        assertThrows(NullPointerException.class, () -> AuthorizedKeys.of(ALICE, null));
        assertThrows(NullPointerException.class, () -> keys.contains(null));
        assertThrows(UnsupportedOperationException.class, () -> keys.keys().clear());
    }
}
