/**
 * The Noise Protocol Framework, revision 34 (https://noiseprotocol.org/noise.html), on the JDK's cryptography
 * only: DH {@code 25519} (JCA {@code X25519}), ciphers {@code ChaChaPoly} ({@code ChaCha20-Poly1305}) and
 * {@code AESGCM} ({@code AES/GCM/NoPadding}), hash {@code SHA256} and the specification's HKDF on
 * {@code HmacSHA256}. It provides the specification's objects under their own names: {@link
 * dev.netproto.security.noise.CipherState}, {@code SymmetricState} (package-private) and {@link
 * dev.netproto.security.noise.HandshakeState}, with the fundamental handshake patterns written as data in the
 * specification's notation. PSK modes, fallback and deferred patterns are not implemented. It is checked
 * against the cacophony test vectors kept in this module's test resources.
 *
 * <p>The package is internal to {@code dev.netproto.core} (exported only to the benchmarks module); the connection
 * layer uses it for the {@code noise} security mechanism.
 *
 * <h2>Threading</h2>
 * {@link dev.netproto.security.noise.CipherState}, {@link dev.netproto.security.noise.HandshakeState} and
 * {@link dev.netproto.security.noise.CipherStatePair} are single-threaded: each belongs to one connection and is used
 * only by that connection's event loop thread. {@link dev.netproto.security.noise.NoiseKeyPair} and
 * {@link dev.netproto.security.noise.NoiseProtocol} are immutable (until a key pair is destroyed) and may be shared.
 *
 * <h2>Key hygiene, and what the JVM does not let us guarantee</h2>
 * Every object that holds secrets has {@code destroy()} (also {@code close()}), which overwrites with zeros the
 * arrays this package owns: private keys, the chaining key, the handshake hash, cipher keys, HKDF temporaries, DH
 * results and scratch buffers. Ephemeral private keys are wiped as soon as their handshake completes. Limits:
 * <ul>
 *   <li>Symmetric keys are held in a package-private destroyable {@code SecretKey} rather than
 *       {@link javax.crypto.spec.SecretKeySpec}, which clones its key and (up to at least JDK 25) has no public way
 *       to wipe the clone: its {@code destroy()} is the default that throws {@code DestroyFailedException}.</li>
 *   <li>JCA providers copy keys: each {@code Cipher.init}, {@code Mac.init} and {@code KeyAgreement.init} calls
 *       {@code getEncoded()}, which must return a fresh array, and the provider keeps derived state (AES round keys,
 *       the Poly1305 key, HMAC pads). SunJCE wipes its previous key copy when re-initialised, so
 *       {@code destroy()} re-initialises the cipher and the MAC with an all-zero key; copies a provider already
 *       dropped stay in the heap until their memory is reused.</li>
 *   <li>The JDK's X25519 private keys ({@code XDHPrivateKeyImpl}) and key specs are not destroyable, and the key
 *       agreement keeps a copy of the last scalar it was given.</li>
 *   <li>The garbage collector may have copied any array (including ours) while moving objects; old copies are not
 *       zeroed. Nothing on the JVM prevents memory from being swapped or dumped.</li>
 * </ul>
 * So {@code destroy()} shortens the life of key material in memory; it does not prove that no copy remains.
 */
package dev.netproto.security.noise;
