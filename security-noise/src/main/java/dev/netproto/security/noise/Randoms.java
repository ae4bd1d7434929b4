package dev.netproto.security.noise;

import java.security.SecureRandom;

/** The process-wide source of ephemeral and generated keys. */
final class Randoms {
    /**
     * The platform's default strong-enough generator ({@code NativePRNG} on Linux, reading {@code /dev/urandom});
     * {@link SecureRandom} is thread-safe, so every event loop shares it.
     */
    static final SecureRandom SECURE = new SecureRandom();

    private Randoms() {
    }
}
