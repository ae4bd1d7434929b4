package dev.netproto.transport.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads certificates and private keys from PEM text with BouncyCastle's {@link PEMParser}, which skips the text
 * around the blocks (such as the {@code subject=} lines of some CA bundles). Keys may be PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}, with or without the
 * {@code EC PARAMETERS} block {@code openssl ecparam -genkey} writes before it).
 *
 * <p>Problems are added to a list, each naming the configuration key, rather than thrown, so that a configuration
 * with several bad files is reported in one pass. Stateless.
 */
final class Pem {

    private Pem() {
    }

    /**
     * Reads every certificate of a PEM file, in order.
     *
     * @param pem      the file's bytes
     * @param key      the configuration key naming the file
     * @param file     the file, for messages
     * @param problems where a problem is added
     * @return the certificates, or an empty list after adding a problem
     */
    static List<X509Certificate> certificates(byte[] pem, String key, Path file, List<String> problems) {
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = parser(pem)) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            // BouncyCastle reports some malformed DER with unchecked exceptions.
            problems.add(key + ": not a valid PEM certificate file: " + e.getMessage() + " (" + file + ")");
            return List.of();
        }
        if (certificates.isEmpty()) {
            problems.add(key + ": no CERTIFICATE block in the file (" + file + ")");
        }
        return List.copyOf(certificates);
    }

    /**
     * Reads the first private key of a PEM file.
     *
     * @param pem      the file's bytes
     * @param key      the configuration key naming the file
     * @param file     the file, for messages
     * @param problems where a problem is added
     * @return the key, or {@code null} after adding a problem
     */
    static PrivateKey privateKey(byte[] pem, String key, Path file, List<String> problems) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = parser(pem)) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof PrivateKeyInfo pkcs8) {
                    return converter.getPrivateKey(pkcs8);
                }
                if (block instanceof PEMKeyPair traditional) {
                    // Only the private part: the public key is optional in SEC1 (the JDK leaves it out), and
                    // converting the pair would fail without it.
                    return converter.getPrivateKey(traditional.getPrivateKeyInfo());
                }
                if (block instanceof PKCS8EncryptedPrivateKeyInfo || block instanceof PEMEncryptedKeyPair) {
                    problems.add(key + ": the private key is encrypted, which is not supported; store it unencrypted"
                        + " with owner-only permissions (openssl pkey -in KEY -out KEY.plain) (" + file + ")");
                    return null;
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.add(key + ": not a valid PEM private key file: " + e.getMessage() + " (" + file + ")");
            return null;
        }
        problems.add(key + ": no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block in the file (" + file + ")");
        return null;
    }

    private static PEMParser parser(byte[] pem) {
        return new PEMParser(new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII));
    }
}
