package dev.netproto.it.psk;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.PeerIdentity;
import dev.netproto.api.Security;
import dev.netproto.api.spi.RecordProtection;
import dev.netproto.api.spi.SecurityFailure;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityProvider;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.SecuritySession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A third party's security mechanism, written only against the public SPI (this package sees nothing of the core):
 * both sides hold a pre-shared key; each sends a random nonce, both derive per-direction AES-GCM keys from the key,
 * the nonces and both HELLO payloads, and each proves it holds the key with an HMAC before any record is sealed.
 * It is found with {@link java.util.ServiceLoader} (META-INF/services in the test resources), like any provider,
 * and is chosen with {@code Security.of("psk", new PskSecurityProvider.Key(name, bytes))}.
 *
 * <p>It exists to prove the seam: the shared transport suite runs over it, and a wrong key fails closed. It is a
 * test of the SPI, not a mechanism to deploy (no replay protection of the handshake, no rekeying).
 */
public final class PskSecurityProvider implements SecurityProvider {
    /** The mechanism's name. */
    public static final String NAME = "psk";

    /**
     * The settings: the key and the name both sides know it by.
     *
     * @param name  the key's name, reported as the peer's identity
     * @param bytes the key, at least 32 bytes
     */
    public record Key(String name, byte[] bytes) {
        /** Checks the key. */
        public Key {
            Objects.requireNonNull(name, "name");
            bytes = bytes.clone();
        }
    }

    /**
     * The peer proved it holds the named key.
     *
     * @param name the key's name
     */
    public record PskIdentity(String name) implements PeerIdentity {
        @Override
        public String mechanism() {
            return NAME;
        }
    }

    /** Public no-argument constructor, for ServiceLoader. */
    public PskSecurityProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SecurityMechanism create(Security security, SecurityRole role) {
        if (!(security.settings() instanceof Key key)) {
            throw new ConfigurationException("security", "'psk' needs Security.of(\"psk\", new Key(name, bytes))");
        }
        if (key.bytes().length < 32) {
            throw new ConfigurationException("security", "'psk' key '" + key.name() + "' has "
                + key.bytes().length + " bytes; at least 32 are needed");
        }
        return connection -> new Session(key, connection.role() == SecurityRole.CLIENT);
    }

    /** One connection's handshake: client nonce; server nonce and proof; client proof. */
    private static final class Session implements SecuritySession {
        private static final int NONCE = 32;
        private final Key key;
        private final boolean client;
        private final byte[] nonce = new byte[NONCE];
        private byte[] transcript;
        private byte[] peerNonce;
        private boolean done;

        Session(Key key, boolean client) {
            this.key = key;
            this.client = client;
            new SecureRandom().nextBytes(nonce);
        }

        @Override
        public void start(byte[] clientHello, byte[] serverHello, Handshake handshake) {
            transcript = concat(clientHello, serverHello);
            if (client) {
                handshake.send(nonce);
            }
        }

        @Override
        public void onMessage(ByteBuffer message, Handshake handshake) {
            byte[] m = new byte[message.remaining()];
            message.get(m);
            if (done) {
                throw new SecurityFailure(ErrorCode.UNEXPECTED_FRAME, "psk: handshake message after the handshake");
            }
            if (!client && peerNonce == null) {
                expect(m, NONCE, "client nonce");
                peerNonce = m;
                handshake.send(concat(nonce, proof("server")));
                return;
            }
            if (client) {
                expect(m, NONCE + 32, "server nonce and proof");
                peerNonce = Arrays.copyOf(m, NONCE);
                verify(Arrays.copyOfRange(m, NONCE, m.length), "server");
                handshake.send(proof("client"));
            } else {
                expect(m, 32, "client proof");
                verify(m, "client");
            }
            done = true;
            handshake.protect(new Gcm(derive(client ? "c2s" : "s2c"), derive(client ? "s2c" : "c2s")));
            handshake.established(new PskIdentity(key.name()));
        }

        private void expect(byte[] m, int length, String what) {
            if (m.length != length) {
                throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "psk: " + what + " of " + m.length
                    + " bytes, expected " + length);
            }
        }

        private byte[] clientNonce() {
            return client ? nonce : peerNonce;
        }

        private byte[] serverNonce() {
            return client ? peerNonce : nonce;
        }

        private byte[] proof(String who) {
            return hmac(derive("confirm"), concat(who.getBytes(StandardCharsets.US_ASCII), transcript));
        }

        private void verify(byte[] proof, String who) {
            if (!MessageDigest.isEqual(proof, proof(who))) {
                throw new SecurityFailure(ErrorCode.HANDSHAKE_FAILED, "psk: the " + who + " does not hold key '"
                    + key.name() + "'");
            }
        }

        private byte[] derive(String label) {
            return hmac(key.bytes(), concat(concat(label.getBytes(StandardCharsets.US_ASCII), clientNonce()),
                concat(serverNonce(), transcript)));
        }
    }

    /** AES-256-GCM per record: the header is the associated data, the nonce a per-direction counter. */
    private static final class Gcm implements RecordProtection {
        private static final int TAG = 16;
        private final SecretKeySpec sendKey;
        private final SecretKeySpec receiveKey;
        private final Cipher cipher;
        private long sent;
        private long received;

        Gcm(byte[] sendKey, byte[] receiveKey) {
            this.sendKey = new SecretKeySpec(sendKey, "AES");
            this.receiveKey = new SecretKeySpec(receiveKey, "AES");
            try {
                this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int overhead() {
            return TAG;
        }

        @Override
        public void seal(ByteBuffer frame, int offset, int plainLength) {
            frame.put(offset, (byte) 0).putShort(offset + 1, (short) (plainLength + TAG));
            try {
                cipher.init(Cipher.ENCRYPT_MODE, sendKey, new GCMParameterSpec(128, iv(sent++)));
                cipher.updateAAD(frame.duplicate().limit(offset + HEADER_LENGTH).position(offset));
                ByteBuffer in = frame.duplicate().limit(offset + HEADER_LENGTH + plainLength)
                    .position(offset + HEADER_LENGTH);
                ByteBuffer out = frame.duplicate().limit(offset + HEADER_LENGTH + plainLength + TAG)
                    .position(offset + HEADER_LENGTH);
                cipher.doFinal(in, out);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int open(ByteBuffer frame, int offset) {
            int sealedLength = frame.getShort(offset + 1) & 0xFFFF;
            try {
                cipher.init(Cipher.DECRYPT_MODE, receiveKey, new GCMParameterSpec(128, iv(received++)));
                cipher.updateAAD(frame.duplicate().limit(offset + HEADER_LENGTH).position(offset));
                ByteBuffer in = frame.duplicate().limit(offset + HEADER_LENGTH + sealedLength)
                    .position(offset + HEADER_LENGTH);
                ByteBuffer out = frame.duplicate().limit(offset + HEADER_LENGTH + sealedLength)
                    .position(offset + HEADER_LENGTH);
                return cipher.doFinal(in, out);
            } catch (GeneralSecurityException e) {
                throw new SecurityFailure(ErrorCode.AUTHENTICATION_FAILED, "psk: " + e);
            }
        }

        private static byte[] iv(long counter) {
            return ByteBuffer.allocate(12).putLong(4, counter).array();
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
