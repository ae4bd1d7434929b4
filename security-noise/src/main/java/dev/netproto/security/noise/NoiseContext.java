package dev.netproto.security.noise;

import dev.netproto.api.NoiseOptions;
import dev.netproto.api.NoisePublicKey;
import dev.netproto.api.spi.SecurityMechanism;
import dev.netproto.api.spi.SecurityRole;
import dev.netproto.api.spi.SecuritySession;
import dev.netproto.api.spi.SessionContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every Noise connection of one server (or one client) shares: the static key pair, the accepted peers and the
 * protocols offered. Built once at start and immutable, so shared by every event loop without locking. Each
 * connection gets a {@link NoiseSecuritySession} over it.
 *
 * <p>Deliberately nothing here changes while handshakes run: no state shared between connections may be filled by
 * a peer that has not authenticated, or one peer could deny the others service (issue #13). In particular there is
 * no replay cache; docs/ARCHITECTURE.md ("Decision: no replay cache for Noise handshakes") says why.
 */
final class NoiseContext implements SecurityMechanism {
    /** Pattern of mutual authentication: both static keys travel, encrypted. */
    static final String XX = "XX";
    /** Pattern of a client that knows the server's key and has none of its own. */
    static final String NK = "NK";
    /** Bytes of the timestamp in the first handshake message's payload. */
    static final int TIMESTAMP_LENGTH = 8;
    /** Mixed into every handshake before the HELLO payloads, so that a session is bound to this protocol. */
    static final byte[] PROLOGUE_LABEL = "netproto/1 noise".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final NoiseOptions options;
    final NoiseKeyPair staticKeys;
    /** Clients: the protocols offered in HELLO, in preference order. Servers: the protocols accepted. */
    final List<String> protocols;

    private NoiseContext(NoiseOptions options, NoiseKeyPair staticKeys, List<String> protocols) {
        this.options = options;
        this.staticKeys = staticKeys;
        this.protocols = protocols;
    }

    static NoiseContext forServer(NoiseOptions options) {
        List<String> accepted = new ArrayList<>();
        for (String cipher : options.ciphers()) {
            accepted.add(name(XX, cipher));
            if (options.allowAnyClient()) {
                accepted.add(name(NK, cipher));
            }
        }
        return new NoiseContext(options, keyPair(options), List.copyOf(accepted));
    }

    static NoiseContext forClient(NoiseOptions options) {
        String pattern = options.identity() != null ? XX : NK;
        List<String> offered = options.ciphers().stream().map(c -> name(pattern, c)).toList();
        return new NoiseContext(options, options.identity() == null ? null : keyPair(options), offered);
    }

    static String name(String pattern, String cipher) {
        return "Noise_" + pattern + "_25519_" + cipher + "_SHA256";
    }

    static boolean isNk(String protocol) {
        return protocol.startsWith("Noise_NK_");
    }

    @Override
    public SecuritySession newSession(SessionContext connection) {
        return new NoiseSecuritySession(this, connection.role() == SecurityRole.CLIENT);
    }

    /** Servers: the first protocol in the client's list that this side accepts, or null. */
    String choose(List<String> offered) {
        for (String p : offered) {
            if (protocols.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether a peer's static key is accepted: the server's allowlist, or the client's pinned server key. */
    boolean accepts(NoisePublicKey peer, boolean client) {
        if (client) {
            return options.trustAnyServer() || options.serverKey().equals(peer);
        }
        return options.allowAnyClient() || options.authorizedKeys().contains(peer);
    }

    /** The pinned server key's bytes, for NK's pre-message; null without a pin. */
    byte[] serverKeyBytes() {
        return options.serverKey() == null ? null : options.serverKey().bytes();
    }

    private static NoiseKeyPair keyPair(NoiseOptions options) {
        byte[] secret = options.identity().privateKeyBytes();
        try {
            return NoiseKeyPair.fromPrivateKey(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
