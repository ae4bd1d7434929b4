package dev.netproto.transport.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client's trust manager that checks certificate pins (SHA-256 of SubjectPublicKeyInfo, see
 * {@link TlsContexts#pin}) in addition to, or instead of, the JDK's chain validation.
 *
 * <p><b>In addition</b> (a delegate is given): the delegate validates the chain and, because the engine is passed
 * through, the host name too (the engine's endpoint identification algorithm). Then one key must match a pin among
 * the server's certificate, the certificates that actually signed it in the presented chain (each checked with
 * its successor's key, so that an unrelated certificate appended to the chain cannot satisfy a CA pin), and the
 * trust anchor that signed the last of them. This is how HPKP and OkHttp's {@code CertificatePinner} read pins.
 *
 * <p><b>Instead</b> (no delegate): only the server's own key, the first certificate, is compared, since nothing
 * else in an unvalidated chain is proven; neither the chain, its dates nor the host name are checked: the pin is
 * the server's identity. Client certificates are refused.
 *
 * <p>A mismatch fails the handshake with a {@link CertificateException} whose message names the expected pins and
 * the presented ones. Immutable and thread-safe.
 */
final class PinningTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final Set<String> pins;

    /**
     * Creates the trust manager.
     *
     * @param delegate validates the chain and host name; {@code null} when the pins replace validation
     * @param pins     the accepted pins, at least one
     */
    PinningTrustManager(X509ExtendedTrustManager delegate, List<String> pins) {
        this.delegate = delegate;
        this.pins = Set.copyOf(pins);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
        if (delegate != null) {
            delegate.checkServerTrusted(chain, authType, engine);
        }
        checkPins(chain, engine == null ? "(unknown peer)" : TlsContexts.peer(engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
        if (delegate != null) {
            delegate.checkServerTrusted(chain, authType, socket);
        }
        checkPins(chain, socket == null ? "(unknown peer)" : String.valueOf(socket.getRemoteSocketAddress()));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (delegate != null) {
            delegate.checkServerTrusted(chain, authType);
        }
        checkPins(chain, "(unknown peer)");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
        requireDelegate().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
        requireDelegate().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        requireDelegate().checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate == null ? new X509Certificate[0] : delegate.getAcceptedIssuers();
    }

    private X509ExtendedTrustManager requireDelegate() throws CertificateException {
        if (delegate == null) {
            throw new CertificateException("a pins-only trust manager does not validate client certificates");
        }
        return delegate;
    }

    private void checkPins(X509Certificate[] chain, String peer) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("TLS peer " + peer + " presented no certificate; expected a key pinned as"
                + " one of " + pins);
        }
        List<X509Certificate> candidates = delegate == null ? List.of(chain[0]) : signers(chain);
        for (X509Certificate candidate : candidates) {
            if (pins.contains(TlsContexts.pin(candidate))) {
                return;
            }
        }
        throw new CertificateException(mismatch(peer, candidates));
    }

    private String mismatch(String peer, List<X509Certificate> candidates) {
        StringBuilder message = new StringBuilder(256)
            .append("certificate pin mismatch for ").append(peer)
            .append(": presented ").append(TlsContexts.pin(candidates.get(0)))
            .append(" (").append(candidates.get(0).getSubjectX500Principal().getName()).append(')');
        if (candidates.size() > 1) {
            message.append(", chain");
            for (int i = 1; i < candidates.size(); i++) {
                message.append(i == 1 ? " " : ", ").append(TlsContexts.pin(candidates.get(i)))
                    .append(" (").append(candidates.get(i).getSubjectX500Principal().getName()).append(')');
            }
        }
        return message.append("; expected one of ").append(pins.stream().sorted().toList()).toString();
    }

    /**
     * Returns the server's certificate, the certificates of the presented chain that signed it in turn, and the
     * trust anchor that signed the last of them.
     */
    private List<X509Certificate> signers(X509Certificate[] chain) {
        List<X509Certificate> signers = new ArrayList<>(chain.length + 1);
        signers.add(chain[0]);
        for (int i = 1; i < chain.length && signedBy(chain[i - 1], chain[i]); i++) {
            signers.add(chain[i]);
        }
        X509Certificate last = signers.get(signers.size() - 1);
        if (!last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
            for (X509Certificate anchor : delegate.getAcceptedIssuers()) {
                if (anchor.getSubjectX500Principal().equals(last.getIssuerX500Principal()) && signedBy(last, anchor)) {
                    signers.add(anchor);
                    break;
                }
            }
        }
        return signers;
    }

    private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
        if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
