package dev.netproto.api;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.KeyAgreement;

/**
 * The public half of a Noise static key: an X25519 public key of RFC 7748, 32 bytes, the little-endian
 * u-coordinate. It identifies a server or a client, in an {@link AuthorizedKeys} allowlist, in a client's pin of its
 * server, and in logs.
 *
 * <p>Text form: the standard base64 encoding (RFC 4648 section 4, with padding) of the 32 bytes, 44 characters
 * ending in {@code =}, for example {@code hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=}. {@link #parse(String)}
 * accepts exactly the form {@link #toString()} writes, so every key has one text form.
 *
 * <p>Fingerprint: {@code SHA256:} followed by the unpadded standard base64 of the SHA-256 digest of the 32 bytes,
 * the form OpenSSH prints, short enough to compare by eye and safe to log.
 *
 * <p>Immutable and thread-safe. Equality compares the 32 bytes with {@link MessageDigest#isEqual}, whose running
 * time does not depend on where two keys first differ.
 */
public final class NoisePublicKey {
    /** Bytes of an X25519 public key. */
    public static final int LENGTH = 32;

    /** Characters of the text form: 32 bytes in padded base64. */
    public static final int TEXT_LENGTH = 44;

    /** What every fingerprint starts with: the hash, as OpenSSH writes it. */
    public static final String FINGERPRINT_PREFIX = "SHA256:";

    private final byte[] bytes;

    private NoisePublicKey(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Wraps the 32 bytes of a public key, such as the remote static key a Noise handshake revealed.
     *
     * @param bytes the little-endian u-coordinate; copied
     * @return the key
     * @throws IllegalArgumentException if {@code bytes} is not 32 bytes long
     * @throws NullPointerException     if {@code bytes} is null
     */
    public static NoisePublicKey of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a Noise public key is " + LENGTH + " bytes, not " + bytes.length);
        }
        return new NoisePublicKey(bytes.clone());
    }

    /**
     * Derives the public key of an X25519 private scalar: X25519(k, 9), the product with the base point (RFC 7748),
     * on the JDK's XDH implementation, which has no direct call for it. This is the one derivation in netproto:
     * {@link NoiseIdentity} and the {@code security-noise} module both use it.
     *
     * @param privateKey the 32-byte scalar, unclamped (X25519 clamps it); not modified
     * @return its public key
     * @throws IllegalArgumentException if {@code privateKey} is not 32 bytes long
     * @throws IllegalStateException    if the JDK's providers have no X25519 (required of every JDK since 11)
     */
    public static NoisePublicKey derive(byte[] privateKey) {
        Objects.requireNonNull(privateKey, "privateKey");
        if (privateKey.length != LENGTH) {
            throw new IllegalArgumentException("an X25519 private key is " + LENGTH + " bytes, not "
                + privateKey.length);
        }
        try {
            KeyFactory keys = KeyFactory.getInstance("X25519");
            PrivateKey k = keys.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey));
            PublicKey base = keys.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519,
                BigInteger.valueOf(9)));
            KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(k);
            agreement.doPhase(base, true);
            return new NoisePublicKey(agreement.generateSecret());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available from the JDK's providers: " + e, e);
        }
    }

    /**
     * Parses the text form: 44 characters of standard, padded base64.
     *
     * @param text the key, as {@link #toString()} writes it; surrounding white space is not allowed
     * @return the key
     * @throws IllegalArgumentException naming what is wrong: empty, wrong length, a character outside the standard
     *                                  base64 alphabet, or an encoding that is not the canonical one
     * @throws NullPointerException     if {@code text} is null
     */
    public static NoisePublicKey parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("a Noise public key must not be empty (expected " + TEXT_LENGTH
                + " characters of base64)");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isBase64Char(c)) {
                throw new IllegalArgumentException("a Noise public key is standard base64 (A-Z a-z 0-9 + / and = "
                    + "padding), but character " + (i + 1) + " is " + describe(c) + hintFor(c) + ": "
                    + abbreviate(text));
            }
        }
        if (text.length() != TEXT_LENGTH) {
            throw new IllegalArgumentException("a Noise public key is " + TEXT_LENGTH + " characters of base64 ("
                + LENGTH + " bytes), not " + text.length() + ": " + abbreviate(text));
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a Noise public key is " + LENGTH + " bytes in standard base64, "
                + "but this is not valid base64 (" + e.getMessage() + "): " + abbreviate(text), e);
        }
        if (decoded.length != LENGTH) {
            throw new IllegalArgumentException("a Noise public key is " + LENGTH + " bytes, but this decodes to "
                + decoded.length + " bytes: " + abbreviate(text));
        }
        NoisePublicKey key = new NoisePublicKey(decoded);
        // Base64 decoders ignore the unused low bits of the last character, so several texts decode to the same
        // key; refusing all but one keeps "same text" and "same key" the same thing in files and logs.
        if (!key.toString().equals(text)) {
            throw new IllegalArgumentException("a Noise public key must be in canonical base64 (its last character "
                + "before '=' has unused bits set; did you mean " + key + "?): " + text);
        }
        return key;
    }

    /**
     * Returns the key's bytes.
     *
     * @return a copy of the 32 bytes
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Returns the fingerprint, the form to show people and to log.
     *
     * @return {@code SHA256:} and the unpadded base64 of the SHA-256 of the 32 bytes (43 characters)
     */
    public String fingerprint() {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's Javadoc).
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        return FINGERPRINT_PREFIX + Base64.getEncoder().withoutPadding().encodeToString(sha256.digest(bytes));
    }

    /**
     * Whether both keys have the same 32 bytes, compared in time that does not depend on their contents.
     *
     * @param o the other object
     * @return true for a {@code NoisePublicKey} with the same bytes
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof NoisePublicKey other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /**
     * Returns the text form, which {@link #parse(String)} reads back.
     *
     * @return 44 characters of standard, padded base64
     */
    @Override
    public String toString() {
        return new String(Base64.getEncoder().encode(bytes), StandardCharsets.US_ASCII);
    }

    private static boolean isBase64Char(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
            || c == '=';
    }

    private static String describe(char c) {
        if (c == ' ') {
            return "a space";
        }
        if (c < 0x20 || c == 0x7F) {
            return String.format("the control character U+%04X", (int) c);
        }
        if (c > 0x7E) {
            return String.format("'%c' (U+%04X)", c, (int) c);
        }
        return "'" + c + "'";
    }

    private static String hintFor(char c) {
        return c == '-' || c == '_' ? " (this looks like URL-safe base64; use + and / instead of - and _)" : "";
    }

    /** The text for an error message: short, and with control characters replaced, so it cannot forge log lines. */
    private static String abbreviate(String text) {
        String shown = text.length() > 60 ? text.substring(0, 57) + "..." : text;
        StringBuilder sb = new StringBuilder(shown.length() + 2).append('"');
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return sb.append('"').toString();
    }
}
