package dev.netproto.security.noise;

/**
 * A parsed Noise protocol name (specification revision 34, section 8), such as
 * {@code Noise_XX_25519_ChaChaPoly_SHA256}: a handshake pattern, a DH function, a cipher function and a hash
 * function. Supported: the fundamental patterns of sections 7.4 and 7.5 (N, K, X, NN, NK, NX, KN, KK, KX, XN, XK,
 * XX, IN, IK, IX) without modifiers, DH {@code 25519}, ciphers {@code ChaChaPoly} and {@code AESGCM}, hash
 * {@code SHA256}. Anything else, including PSK and fallback modifiers, deferred patterns and hybrid functions, is
 * refused by {@link #parse(String)} with a message that names the unsupported part.
 *
 * <p>Immutable and thread-safe.
 */
public final class NoiseProtocol {
    private static final String PREFIX = "Noise";
    private static final String DH = "25519";
    private static final String HASH = "SHA256";

    private final String name;
    /** The handshake pattern. */
    final HandshakePattern pattern;
    /** The cipher function. */
    final CipherFunction cipher;

    private NoiseProtocol(String name, HandshakePattern pattern, CipherFunction cipher) {
        this.name = name;
        this.pattern = pattern;
        this.cipher = cipher;
    }

    /**
     * Parses a protocol name.
     *
     * @param name a name such as {@code Noise_XX_25519_ChaChaPoly_SHA256}
     * @return the protocol
     * @throws NoiseException with {@link NoiseException.Reason#UNSUPPORTED_PROTOCOL} naming the part that is not
     *                        supported or malformed
     */
    public static NoiseProtocol parse(String name) {
        if (name == null) {
            throw unsupported("null", "no name");
        }
        String[] parts = name.split("_", -1);
        if (parts.length != 5 || !parts[0].equals(PREFIX)) {
            throw unsupported(name, "expected Noise_<pattern>_<dh>_<cipher>_<hash>");
        }
        String patternName = parts[1];
        HandshakePattern pattern = HandshakePattern.byName(patternName);
        if (pattern == null) {
            String problem = patternName.contains("psk") || patternName.contains("fallback")
                || patternName.contains("+")
                ? "pattern modifiers are not supported ('" + patternName + "')"
                : "handshake pattern '" + patternName + "' is not supported";
            throw unsupported(name, problem + "; supported patterns: " + String.join(", ", HandshakePattern.names()));
        }
        if (!parts[2].equals(DH)) {
            throw unsupported(name, "DH function '" + parts[2] + "' is not supported; supported: " + DH);
        }
        CipherFunction cipher = CipherFunction.byNoiseName(parts[3]);
        if (cipher == null) {
            throw unsupported(name, "cipher function '" + parts[3] + "' is not supported; supported: "
                + CipherFunction.CHACHA_POLY.noiseName + ", " + CipherFunction.AES_GCM.noiseName);
        }
        if (!parts[4].equals(HASH)) {
            throw unsupported(name, "hash function '" + parts[4] + "' is not supported; supported: " + HASH);
        }
        return new NoiseProtocol(name, pattern, cipher);
    }

    /**
     * Returns the full protocol name, which is also the string hashed into the handshake.
     *
     * @return the name as parsed
     */
    public String name() {
        return name;
    }

    /**
     * Returns the handshake pattern's name.
     *
     * @return for example {@code XX}
     */
    public String patternName() {
        return pattern.name;
    }

    /**
     * Returns the cipher function's name.
     *
     * @return {@code ChaChaPoly} or {@code AESGCM}
     */
    public String cipherName() {
        return cipher.noiseName;
    }

    /**
     * Whether the pattern is one-way (N, K, X): after the handshake only the initiator sends.
     *
     * @return true for a one-way pattern
     */
    public boolean oneWay() {
        return pattern.oneWay();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NoiseProtocol p && p.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }

    private static NoiseException unsupported(String name, String problem) {
        return new NoiseException(NoiseException.Reason.UNSUPPORTED_PROTOCOL,
            "unsupported Noise protocol '" + name + "': " + problem);
    }
}
