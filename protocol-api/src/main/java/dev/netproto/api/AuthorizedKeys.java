package dev.netproto.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An allowlist of Noise public keys, such as the clients a server lets in, read from a file in the style of
 * OpenSSH's {@code authorized_keys}.
 *
 * <h2>File format</h2>
 * UTF-8 text, one entry per line:
 * <pre>
 * # the build agents
 * hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo= agent-1 (rack 4)
 * 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=
 * </pre>
 * An entry is a public key in its text form ({@link NoisePublicKey#parse(String)}), optionally followed by white
 * space and a comment, which is the rest of the line without surrounding white space and may contain spaces
 * (control characters in it are replaced with {@code ?}, tabs with spaces, so that it is safe to log). Lines
 * that are blank or whose first non-blank character is {@code #} are ignored; line ends may be LF or CR LF; a
 * line that is not UTF-8 is a bad line. A key listed twice is allowed, and keeps the comment of its first line.
 * An empty list is valid and allows nobody. {@code np keygen} prints the entry for the key it generates.
 *
 * <h2>Permissions</h2>
 * Whoever can change the file can let themselves in, so on file systems with POSIX permissions {@link #load(Path)}
 * refuses a file that its group or other users may write (as OpenSSH's {@code StrictModes} does). Reading by
 * others is allowed: the file holds only public keys.
 *
 * <p>Immutable and thread-safe once built; reload the file to pick up changes.
 */
public final class AuthorizedKeys {
    /** Comments by key, in file order; a key without a comment maps to the empty string. */
    private final Map<NoisePublicKey, String> comments;

    private AuthorizedKeys(Map<NoisePublicKey, String> comments) {
        this.comments = Collections.unmodifiableMap(comments);
    }

    /**
     * Builds an allowlist of the given keys, without comments.
     *
     * @param keys the keys to allow; may be empty, which allows nobody
     * @return the allowlist
     * @throws NullPointerException if {@code keys} or one of them is null
     */
    public static AuthorizedKeys of(NoisePublicKey... keys) {
        Objects.requireNonNull(keys, "keys");
        Map<NoisePublicKey, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null) {
                throw new NullPointerException("keys[" + i + "]");
            }
            map.putIfAbsent(keys[i], "");
        }
        return new AuthorizedKeys(map);
    }

    /**
     * Reads an allowlist file (see the class documentation for the format and the permission rule).
     *
     * @param file the file
     * @return the allowlist
     * @throws IOException            if the file cannot be read; the message names the file
     * @throws ConfigurationException listing every bad line at once, each as {@code FILE:LINE: problem}, or
     *                                keyed by the file when it is not a regular file or is writable by its group or
     *                                others
     */
    public static AuthorizedKeys load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        checkFile(file);
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw NoiseIdentity.failIo("cannot read authorized keys file", file, e);
        }
        Map<NoisePublicKey, String> map = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        int lineNumber = 0;
        int end;
        for (int start = 0; start < content.length; start = end + 1) {
            lineNumber++;
            end = start;
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            String line;
            try {
                line = utf8.reset().decode(ByteBuffer.wrap(content, start, end - start)).toString();
            } catch (CharacterCodingException e) {
                problems.add(file + ":" + lineNumber + ": not UTF-8 text");
                continue;
            }
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                // A byte order mark, which some Windows editors write at the start of UTF-8 files.
                line = line.substring(1);
            }
            // strip() also removes the CR of a CR LF line end.
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = firstWhitespace(line);
            String keyText = space < 0 ? line : line.substring(0, space);
            String comment = space < 0 ? "" : printable(line.substring(space).strip(), Integer.MAX_VALUE);
            try {
                map.putIfAbsent(NoisePublicKey.parse(keyText), comment);
            } catch (IllegalArgumentException e) {
                problems.add(file + ":" + lineNumber + ": " + (isOpenSshKeyType(keyText)
                    ? "this is an OpenSSH key (" + printable(keyText, 40) + "), not a Noise public key; "
                        + "np keygen prints the line to use"
                    : e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new AuthorizedKeys(map);
    }

    /**
     * Whether the key is on the list.
     *
     * @param key the key a peer proved it holds
     * @return true if the key is listed
     */
    public boolean contains(NoisePublicKey key) {
        return comments.containsKey(Objects.requireNonNull(key, "key"));
    }

    /**
     * Returns the comment written after a key, to name the peer in logs.
     *
     * @param key a key
     * @return the comment; empty if the key is not listed or has no comment
     */
    public Optional<String> commentFor(NoisePublicKey key) {
        String comment = comments.get(Objects.requireNonNull(key, "key"));
        return comment == null || comment.isEmpty() ? Optional.empty() : Optional.of(comment);
    }

    /**
     * Returns the listed keys.
     *
     * @return the keys in file order, without repeats; unmodifiable
     */
    public Set<NoisePublicKey> keys() {
        return comments.keySet();
    }

    /**
     * Returns how many different keys are listed.
     *
     * @return the number of keys
     */
    public int size() {
        return comments.size();
    }

    /**
     * Describes the list by its size.
     *
     * @return such as {@code AuthorizedKeys[3 keys]}
     */
    @Override
    public String toString() {
        return "AuthorizedKeys[" + comments.size() + (comments.size() == 1 ? " key]" : " keys]");
    }

    private static void checkFile(Path file) throws IOException {
        boolean regular;
        try {
            if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
                PosixFileAttributes posix = Files.readAttributes(file, PosixFileAttributes.class);
                regular = posix.isRegularFile();
                Set<PosixFilePermission> permissions = posix.permissions();
                if (regular && (permissions.contains(PosixFilePermission.GROUP_WRITE)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE))) {
                    throw new ConfigurationException(file.toString(), "permissions "
                        + PosixFilePermissions.toString(permissions) + " let other users change the list of "
                        + "authorized keys, and so let themselves in; run: chmod go-w " + file);
                }
            } else {
                regular = Files.isRegularFile(file);
            }
        } catch (IOException e) {
            throw NoiseIdentity.failIo("cannot read authorized keys file", file, e);
        }
        if (!regular) {
            throw new ConfigurationException(file.toString(), "not a regular file, so not an authorized keys file");
        }
    }

    private static int firstWhitespace(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (Character.isWhitespace(line.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isOpenSshKeyType(String token) {
        return token.startsWith("ssh-") || token.startsWith("ecdsa-sha2-") || token.startsWith("sk-");
    }

    /** The text with control characters replaced (tabs by spaces), so that it cannot forge log lines. */
    private static String printable(String text, int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), maxChars));
        for (int i = 0; i < text.length() && i < maxChars; i++) {
            char c = text.charAt(i);
            sb.append(c == '\t' ? ' ' : Character.isISOControl(c) ? '?' : c);
        }
        return sb.toString();
    }
}
