package dev.netproto.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.Destroyable;

/**
 * A Noise static key pair: the long-term X25519 identity of a server or a client (RFC 7748; 32-byte private scalar,
 * 32-byte little-endian public key). The public half is a {@link NoisePublicKey}, which peers list in an
 * {@link AuthorizedKeys} file or pin.
 *
 * <h2>Key file format, version 1</h2>
 * US-ASCII text, exactly three lines, each ending in a line feed:
 * <pre>
 * netproto-noise-private-key-v1
 * &lt;private key: the 32-byte scalar in standard padded base64, 44 characters&gt;
 * &lt;public key: the 32-byte public key in standard padded base64, 44 characters&gt;
 * </pre>
 * The first line names the format and its version; a later format changes it, so a reader never misreads one. The
 * private key is stored as generated, unclamped (X25519 clamps it when it multiplies). The public key is redundant:
 * it is there so that people and scripts can read it without tools ({@code sed -n 3p server.key}), and
 * {@link #load(Path)} recomputes it from the private key and refuses a file where the two differ. The loader also
 * accepts CR LF line ends and a missing final line end, and nothing else; a file over {@value #MAX_FILE_BYTES}
 * bytes is refused before it is read.
 *
 * <h2>Permissions</h2>
 * On file systems with POSIX permissions, {@link #save(Path, boolean)} creates the file with mode {@code 0600}
 * (owner read and write only) from the start: it writes a temporary file created with that mode in the same
 * directory, flushes it to the device and renames it over the target, so the key is never readable by others and
 * a crash leaves either the old file or the new one, never a partial one. {@link #load(Path)} refuses a file that
 * gives its group or other users any permission, as OpenSSH does for private keys. Elsewhere (Windows) permissions
 * are neither set nor checked; restrict access to the file yourself.
 *
 * <h2>Key hygiene</h2>
 * {@link #destroy()} overwrites this object's copy of the private key with zeros, and the loader and writer wipe
 * their buffers; the private key never becomes a {@link String}. Copies that the JDK makes (the X25519 key
 * specification and key objects used to derive the public key, which are not destroyable) and copies the garbage
 * collector leaves behind are out of reach, so this shortens the key's life in memory and proves nothing more.
 *
 * <p>Threading: safe to share. The public key is immutable; {@link #privateKeyBytes()} and {@link #destroy()}
 * synchronize on this object, so a reader sees either the whole key or {@link IllegalStateException}.
 */
public final class NoiseIdentity implements Destroyable, AutoCloseable {
    /** The first line of a version-1 key file. */
    public static final String FILE_HEADER = "netproto-noise-private-key-v1";

    /** The largest key file {@link #load(Path)} reads; a version-1 file is 120 bytes. */
    public static final int MAX_FILE_BYTES = 1024;

    /** Bytes of a private key. */
    public static final int PRIVATE_KEY_LENGTH = 32;

    /** What a key file's first line starts with, whatever its version. */
    private static final String HEADER_FAMILY = "netproto-noise-private-key-v";
    private static final int BASE64_KEY_CHARS = 44;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    /** Thread-safe; shared by every {@link #generate()}. */
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The private scalar; all zeros once destroyed. Guarded by {@code this}. */
    private final byte[] privateKey;
    private final NoisePublicKey publicKey;
    /** Guarded by {@code this}. */
    private boolean destroyed;

    private NoiseIdentity(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = NoisePublicKey.derive(privateKey);
    }

    /**
     * Generates a new identity: 32 bytes from a shared {@link SecureRandom} as the private key (RFC 7748 section
     * 6.1) and its public key.
     *
     * @return the new identity
     */
    public static NoiseIdentity generate() {
        byte[] k = new byte[PRIVATE_KEY_LENGTH];
        RANDOM.nextBytes(k);
        return new NoiseIdentity(k);
    }

    /**
     * Rebuilds an identity from its private key, deriving the public key.
     *
     * @param privateKey the 32-byte private scalar; copied, so the caller may wipe it
     * @return the identity
     * @throws IllegalArgumentException if {@code privateKey} is not 32 bytes long
     * @throws NullPointerException     if {@code privateKey} is null
     */
    public static NoiseIdentity fromPrivateKey(byte[] privateKey) {
        Objects.requireNonNull(privateKey, "privateKey");
        if (privateKey.length != PRIVATE_KEY_LENGTH) {
            throw new IllegalArgumentException("privateKey must be " + PRIVATE_KEY_LENGTH + " bytes, not "
                + privateKey.length);
        }
        return new NoiseIdentity(privateKey.clone());
    }

    /**
     * Reads a key file (see the class documentation for the format and the permission rule).
     *
     * @param file the key file
     * @return the identity it holds
     * @throws IOException            if the file cannot be read; the message names the file
     * @throws ConfigurationException keyed by the file, if it is not a regular file, is too large, gives its group
     *                                or others any permission (the message says to {@code chmod 600} it), is not
     *                                in the format, or holds a public key that does not match its private key
     */
    public static NoiseIdentity load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        BasicFileAttributes attributes = readAttributes(file);
        if (!attributes.isRegularFile()) {
            throw new ConfigurationException(file.toString(), "not a regular file, so not a Noise key file");
        }
        if (attributes instanceof PosixFileAttributes posix) {
            if (!Collections.disjoint(posix.permissions(), GROUP_AND_OTHERS)) {
                throw new ConfigurationException(file.toString(), "permissions "
                    + PosixFilePermissions.toString(posix.permissions()) + " are too open: a private key file must "
                    + "be accessible by its owner only; run: chmod 600 " + file);
            }
        }
        if (attributes.size() > MAX_FILE_BYTES) {
            throw new ConfigurationException(file.toString(), "too large for a Noise key file (" + attributes.size()
                + " bytes, at most " + MAX_FILE_BYTES + ")");
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw failIo("cannot read Noise key file", file, e);
        }
        try {
            return parse(content, file);
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /**
     * Writes this identity to a new key file with mode {@code 0600}; refuses to replace an existing file. Same as
     * {@code save(file, false)}.
     *
     * @param file where to write
     * @throws FileAlreadyExistsException if {@code file} exists
     * @throws IOException                if the file cannot be written; the message names the file
     * @throws IllegalStateException      if this identity was destroyed
     */
    public void save(Path file) throws IOException {
        save(file, false);
    }

    /**
     * Writes this identity to a key file (see the class documentation for the format and how it is written).
     *
     * @param file      where to write; its directory must exist
     * @param overwrite whether to replace an existing file; without it an existing file is never touched, even by
     *                  a writer racing with this one (the new file is linked into place, which fails if the name
     *                  exists)
     * @throws FileAlreadyExistsException if {@code file} exists and {@code overwrite} is false
     * @throws IOException                if the file cannot be written; the message names the file
     * @throws IllegalStateException      if this identity was destroyed
     */
    public void save(Path file, boolean overwrite) throws IOException {
        Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new IOException("cannot write Noise key file " + file + ": it is a directory");
        }
        if (!overwrite && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw alreadyExists(file);
        }
        byte[] content = encode();
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        boolean posix = Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
        Path temp;
        try {
            temp = posix
                ? Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            Arrays.fill(content, (byte) 0);
            throw failIo("cannot write Noise key file", file, e);
        }
        try {
            if (posix) {
                // The umask can only have narrowed the mode at creation; set exactly 0600 in case it was unusual.
                Files.setPosixFilePermissions(temp, OWNER_ONLY);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                // On the device before the rename: otherwise a crash can leave the new name on an empty file.
                channel.force(true);
            }
            if (overwrite) {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                placeWithoutReplacing(temp, target, file);
            }
        } catch (FileAlreadyExistsException e) {
            deleteTemp(temp, e);
            throw e;
        } catch (IOException e) {
            deleteTemp(temp, e);
            throw failIo("cannot write Noise key file", file, e);
        } catch (RuntimeException e) {
            deleteTemp(temp, e);
            throw e;
        } finally {
            Arrays.fill(content, (byte) 0);
        }
        deleteTemp(temp, null);
    }

    /** Removes the temporary file (still there after a link, or after a failure); a failure to is suppressed. */
    private static void deleteTemp(Path temp, Exception primary) throws IOException {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            if (primary == null) {
                throw new IOException("wrote the key file but cannot remove the temporary file " + temp + ": "
                    + e.getMessage(), e);
            }
            primary.addSuppressed(e);
        }
    }

    /**
     * Returns the public key.
     *
     * @return the public key; available after {@link #destroy()} too
     */
    public NoisePublicKey publicKey() {
        return publicKey;
    }

    /**
     * Returns the private key, for handing it to the Noise implementation; the caller owns the copy and should
     * overwrite it once it is no longer needed.
     *
     * @return a copy of the 32-byte private scalar
     * @throws IllegalStateException if this identity was destroyed
     */
    public synchronized byte[] privateKeyBytes() {
        checkNotDestroyed();
        return privateKey.clone();
    }

    /**
     * Overwrites the private key held by this object with zeros (see the class documentation for the copies this
     * cannot reach). Idempotent.
     */
    @Override
    public synchronized void destroy() {
        Arrays.fill(privateKey, (byte) 0);
        destroyed = true;
    }

    /**
     * Whether {@link #destroy()} was called.
     *
     * @return true once destroyed
     */
    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    /**
     * Describes the identity by its public key's fingerprint; never shows the private key.
     *
     * @return such as {@code NoiseIdentity[SHA256:...]}
     */
    @Override
    public String toString() {
        return "NoiseIdentity[" + publicKey.fingerprint() + "]";
    }

    private synchronized byte[] encode() {
        checkNotDestroyed();
        byte[] header = (FILE_HEADER + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] secret = Base64.getEncoder().encode(privateKey);
        byte[] pub = (publicKey + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] content = new byte[header.length + secret.length + 1 + pub.length];
        System.arraycopy(header, 0, content, 0, header.length);
        System.arraycopy(secret, 0, content, header.length, secret.length);
        content[header.length + secret.length] = '\n';
        System.arraycopy(pub, 0, content, header.length + secret.length + 1, pub.length);
        Arrays.fill(secret, (byte) 0);
        return content;
    }

    /**
     * Parses a key file's bytes, without turning the private key into a String. The caller wipes {@code content}.
     */
    private static NoiseIdentity parse(byte[] content, Path file) {
        int[] lines = splitLines(content);
        if (lines[6] == 0) {
            throw new ConfigurationException(file.toString(), "empty, so not a Noise key file");
        }
        String header = new String(content, lines[0], lines[1] - lines[0], StandardCharsets.US_ASCII);
        if (!header.equals(FILE_HEADER)) {
            // The line is not echoed: a file given by mistake may start with a secret.
            String problem = header.startsWith(HEADER_FAMILY)
                ? "unsupported key file version (this netproto reads " + FILE_HEADER + ")"
                : "not a Noise key file: the first line must be " + FILE_HEADER;
            throw new ConfigurationException(file.toString(), problem);
        }
        if (lines[6] != 3) {
            throw new ConfigurationException(file.toString(), "a Noise key file has 3 lines (the line " + FILE_HEADER
                + ", the private key, the public key), this one has " + lines[6]);
        }
        byte[] privateKey = decodeKey(content, lines[2], lines[3]);
        if (privateKey == null) {
            throw new ConfigurationException(file.toString(), "line 2: the private key must be "
                + BASE64_KEY_CHARS + " characters of standard base64 (" + PRIVATE_KEY_LENGTH + " bytes)");
        }
        NoisePublicKey stored;
        try {
            stored = NoisePublicKey.parse(new String(content, lines[4], lines[5] - lines[4],
                StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            Arrays.fill(privateKey, (byte) 0);
            throw new ConfigurationException(file.toString(), "line 3: " + e.getMessage());
        }
        NoiseIdentity identity = new NoiseIdentity(privateKey);
        if (!identity.publicKey.equals(stored)) {
            identity.destroy();
            throw new ConfigurationException(file.toString(), "the public key on line 3 (" + stored.fingerprint()
                + ") does not belong to the private key on line 2 (" + identity.publicKey.fingerprint()
                + "): the file was edited or damaged");
        }
        return identity;
    }

    /**
     * Finds the lines of a key file, ignoring line ends after the last line.
     *
     * @return the number of lines at index 6, and the start and end (exclusive, without the line end) of each of
     *         the first three
     */
    private static int[] splitLines(byte[] content) {
        int[] bounds = new int[7];
        int limit = content.length;
        while (limit > 0 && (content[limit - 1] == '\n' || content[limit - 1] == '\r')) {
            limit--;
        }
        int count = 0;
        int start = 0;
        for (int i = 0; i <= limit && limit > 0; i++) {
            if (i == limit || content[i] == '\n') {
                if (count < 3) {
                    bounds[2 * count] = start;
                    bounds[2 * count + 1] = i > start && content[i - 1] == '\r' ? i - 1 : i;
                }
                count++;
                start = i + 1;
            }
        }
        bounds[6] = count;
        return bounds;
    }

    /** Decodes 44 base64 characters to 32 bytes, or returns null; never echoes or keeps the text. */
    private static byte[] decodeKey(byte[] content, int start, int end) {
        if (end - start != BASE64_KEY_CHARS) {
            return null;
        }
        byte[] text = Arrays.copyOfRange(content, start, end);
        try {
            byte[] key = Base64.getDecoder().decode(text);
            if (key.length != PRIVATE_KEY_LENGTH) {
                Arrays.fill(key, (byte) 0);
                return null;
            }
            return key;
        } catch (IllegalArgumentException e) {
            return null;
        } finally {
            Arrays.fill(text, (byte) 0);
        }
    }

    /**
     * Links the finished temporary file in under its final name. A hard link fails if the name exists, atomically,
     * which a rename (it replaces silently on POSIX) does not; where links are not supported, a move without
     * {@code REPLACE_EXISTING} checks and renames in two steps.
     */
    private static void placeWithoutReplacing(Path temp, Path target, Path file) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            throw alreadyExists(file);
        } catch (UnsupportedOperationException | IOException e) {
            try {
                Files.move(temp, target);
            } catch (FileAlreadyExistsException e2) {
                throw alreadyExists(file);
            }
        }
    }

    private static BasicFileAttributes readAttributes(Path file) throws IOException {
        try {
            if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
                return Files.readAttributes(file, PosixFileAttributes.class);
            }
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw failIo("cannot read Noise key file", file, e);
        }
    }

    private static FileAlreadyExistsException alreadyExists(Path file) {
        return new FileAlreadyExistsException(file.toString(), null,
            "a file exists there; refusing to overwrite it (a key may be in use)");
    }

    /** An I/O failure with a message that names the file and says what happened, not just the path. */
    static IOException failIo(String what, Path file, IOException e) {
        String reason;
        if (e instanceof NoSuchFileException) {
            reason = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            reason = fse.getReason();
        } else {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return new IOException(what + " " + file + ": " + reason, e);
    }

    private void checkNotDestroyed() {
        if (destroyed) {
            throw new IllegalStateException("NoiseIdentity " + publicKey.fingerprint() + " was destroyed");
        }
    }
}
