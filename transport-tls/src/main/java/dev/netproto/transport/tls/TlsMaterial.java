package dev.netproto.transport.tls;

import dev.netproto.api.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of every file a {@link TlsConfig} names, read once, with a digest of them all. Parsing works from these
 * bytes, so what is hashed is exactly what is used, even if a file changes while it is being loaded.
 *
 * <p>Immutable once read; the arrays are never handed out for writing.
 */
final class TlsMaterial {
    private final byte[] certificateChain;
    private final byte[] privateKey;
    private final byte[] keyStore;
    private final byte[] trustCertificates;
    private final byte[] trustStore;
    private final byte[] digest;

    private TlsMaterial(byte[] certificateChain, byte[] privateKey, byte[] keyStore, byte[] trustCertificates,
                        byte[] trustStore) {
        this.certificateChain = certificateChain;
        this.privateKey = privateKey;
        this.keyStore = keyStore;
        this.trustCertificates = trustCertificates;
        this.trustStore = trustStore;
        this.digest = digest(certificateChain, privateKey, keyStore, trustCertificates, trustStore);
    }

    /**
     * Reads every configured file.
     *
     * @param config the settings naming the files
     * @return their contents
     * @throws ConfigurationException naming the key of every file that cannot be read
     */
    static TlsMaterial read(TlsConfig config) {
        List<String> problems = new ArrayList<>();
        byte[] chain = read(TlsConfig.CERTIFICATE_CHAIN, config.certificateChain(), problems);
        byte[] key = read(TlsConfig.PRIVATE_KEY, config.privateKey(), problems);
        byte[] keyStore = read(TlsConfig.KEY_STORE, config.keyStore(), problems);
        byte[] trust = read(TlsConfig.TRUST_CERTIFICATES, config.trustCertificates(), problems);
        byte[] trustStore = read(TlsConfig.TRUST_STORE, config.trustStore(), problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new TlsMaterial(chain, key, keyStore, trust, trustStore);
    }

    byte[] certificateChain() {
        return certificateChain;
    }

    byte[] privateKey() {
        return privateKey;
    }

    byte[] keyStore() {
        return keyStore;
    }

    byte[] trustCertificates() {
        return trustCertificates;
    }

    byte[] trustStore() {
        return trustStore;
    }

    /**
     * Tells whether another reading found exactly the same bytes.
     *
     * @param other another reading of the same configuration, or {@code null}
     * @return {@code true} if every file had the same content
     */
    boolean sameContent(TlsMaterial other) {
        return other != null && MessageDigest.isEqual(digest, other.digest);
    }

    private static byte[] read(String key, Path file, List<String> problems) {
        if (file == null) {
            return null;
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            problems.add(key + ": cannot read the file: " + e + " (" + file + ")");
            return null;
        }
    }

    private static byte[] digest(byte[]... parts) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                // The length (or -1 for an absent file) separates the parts, so that moving bytes from one file
                // to the next changes the digest.
                int length = part == null ? -1 : part.length;
                sha256.update(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
                sha256.update((byte) ';');
                if (part != null) {
                    sha256.update(part);
                }
            }
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new TlsException("SHA-256 is not available", e);
        }
    }
}
