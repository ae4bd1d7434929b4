package dev.netproto.transport.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed development certificates: a CA, a server certificate and a client certificate signed by it, written
 * as PEM files, which is what {@code np certgen --cn NAME --out DIR} produces. Not for production: the CA key is
 * not kept, nothing can be revoked, and anyone holding the directory holds every key.
 *
 * <p>{@link #generate} writes into the directory:
 * <ul>
 *   <li>{@code ca.pem}: the CA certificate, for {@code tls.trust_certificates} on both sides;</li>
 *   <li>{@code server.pem}, {@code server.key}: the server's certificate for the common name, with the subject
 *       alternative names {@code DNS:<cn>}, {@code DNS:localhost}, {@code IP:127.0.0.1} and {@code IP:::1} (a
 *       common name that is an IP address becomes an IP name), for server authentication;</li>
 *   <li>{@code client.pem}, {@code client.key}: a client certificate, for client authentication (mutual TLS).</li>
 * </ul>
 * Keys are EC P-256 in PKCS#8 PEM, created owner-only ({@code 0600}) on POSIX file systems; certificates are
 * signed with SHA256withECDSA and valid from an hour ago (clock skew) for {@value #VALIDITY_DAYS} days. Each file is
 * written to a temporary file and renamed into place, so a {@link ReloadingTlsContext} never reads half a file.
 * Existing files are replaced.
 *
 * @param caCertificate     the CA certificate ({@code ca.pem})
 * @param serverCertificate the server certificate ({@code server.pem})
 * @param serverKey         the server's private key ({@code server.key})
 * @param clientCertificate the client certificate ({@code client.pem})
 * @param clientKey         the client's private key ({@code client.key})
 * @param serverPin         the pin of the server's key, for {@code tls.pins}
 */
public record DevCertificates(Path caCertificate, Path serverCertificate, Path serverKey, Path clientCertificate,
                              Path clientKey, String serverPin) {

    /** How long the generated certificates are valid, in days. */
    public static final int VALIDITY_DAYS = 365;

    private static final Duration CLOCK_SKEW = Duration.ofHours(1);
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Set<PosixFilePermission> KEY_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> CERTIFICATE_PERMISSIONS =
        PosixFilePermissions.fromString("rw-r--r--");

    /**
     * Generates a CA, a server and a client certificate and writes them into a directory, which is created if
     * missing. Blocks on file I/O.
     *
     * @param cn  the server's common name, also its first subject alternative name: a DNS host name or an IP
     *            address
     * @param dir the directory to write into
     * @return the written files and the server's pin
     * @throws IOException              if a file cannot be written
     * @throws IllegalArgumentException if {@code cn} is blank or contains characters a host name cannot have
     */
    public static DevCertificates generate(String cn, Path dir) throws IOException {
        checkCommonName(cn);
        Files.createDirectories(dir);
        try {
            SecureRandom random = new SecureRandom();
            Instant now = Instant.now();
            KeyPair caKeys = ecKeyPair(random);
            X500Name caName = name("netproto development CA for " + cn);
            X509v3CertificateBuilder ca = builder(caName, caName, caKeys, now, random);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            ca.addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
            X509Certificate caCertificate = sign(ca, caKeys.getPrivate());

            KeyPair serverKeys = ecKeyPair(random);
            X509v3CertificateBuilder server = leaf(caCertificate, caKeys, name(cn), serverKeys, now, random,
                extensions, KeyPurposeId.id_kp_serverAuth);
            server.addExtension(Extension.subjectAlternativeName, false, serverNames(cn));
            X509Certificate serverCertificate = sign(server, caKeys.getPrivate());

            KeyPair clientKeys = ecKeyPair(random);
            X509v3CertificateBuilder client = leaf(caCertificate, caKeys, name("netproto development client for "
                + cn), clientKeys, now, random, extensions, KeyPurposeId.id_kp_clientAuth);
            X509Certificate clientCertificate = sign(client, caKeys.getPrivate());

            DevCertificates files = new DevCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"),
                dir.resolve("server.key"), dir.resolve("client.pem"), dir.resolve("client.key"),
                TlsContexts.pin(serverCertificate));
            // Keys before certificates: a reloading server that looks in between sees a new key with the old
            // certificate at worst, which it refuses (one WARN) and picks up at its next check.
            write(files.serverKey(), pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null)), KEY_PERMISSIONS);
            write(files.clientKey(), pem(new JcaPKCS8Generator(clientKeys.getPrivate(), null)), KEY_PERMISSIONS);
            write(files.caCertificate(), pem(caCertificate), CERTIFICATE_PERMISSIONS);
            write(files.serverCertificate(), pem(serverCertificate), CERTIFICATE_PERMISSIONS);
            write(files.clientCertificate(), pem(clientCertificate), CERTIFICATE_PERMISSIONS);
            return files;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new TlsException("cannot generate development certificates for " + cn + ": " + e.getMessage(), e);
        }
    }

    private static void checkCommonName(String cn) {
        if (cn == null || cn.isBlank()) {
            throw new IllegalArgumentException("cn: must not be blank (" + cn + ")");
        }
        if (TlsContext.isIpLiteral(cn)) {
            return;
        }
        for (int i = 0; i < cn.length(); i++) {
            char c = cn.charAt(i);
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
                || c == '.' || c == '*';
            if (!allowed) {
                throw new IllegalArgumentException("cn: not a host name, '" + c + "' at index " + i + " (" + cn + ")");
            }
        }
    }

    private static KeyPair ecKeyPair(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys,
                                                    Instant now, SecureRandom random) {
        // A positive serial of 127 random bits: unique without bookkeeping, within the 20 bytes RFC 5280 allows.
        BigInteger serial = new BigInteger(127, random).setBit(0);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(CLOCK_SKEW)),
            Date.from(now.plus(Duration.ofDays(VALIDITY_DAYS))), subject, subjectKeys.getPublic());
    }

    private static X509v3CertificateBuilder leaf(X509Certificate caCertificate, KeyPair caKeys, X500Name subject,
                                                 KeyPair keys, Instant now, SecureRandom random,
                                                 JcaX509ExtensionUtils extensions, KeyPurposeId purpose)
        throws IOException, GeneralSecurityException {
        X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder builder = builder(issuer, subject, keys, now, random);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
            extensions.createSubjectKeyIdentifier(keys.getPublic()));
        builder.addExtension(Extension.authorityKeyIdentifier, false,
            extensions.createAuthorityKeyIdentifier(caKeys.getPublic()));
        return builder;
    }

    private static GeneralNames serverNames(String cn) {
        List<GeneralName> names = new ArrayList<>(5);
        addName(names, cn);
        addName(names, "localhost");
        addName(names, "127.0.0.1");
        addName(names, "::1");
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static void addName(List<GeneralName> names, String name) {
        GeneralName general = new GeneralName(TlsContext.isIpLiteral(name) ? GeneralName.iPAddress
            : GeneralName.dNSName, name);
        if (!names.contains(general)) {
            names.add(general);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
        throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
            .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(issuerKey)));
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static void write(Path target, String content, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        // The temporary file is created owner-only, so a key is never readable by others, not even for a moment.
        Path temp = posix
            ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(KEY_PERMISSIONS))
            : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.US_ASCII)) {
                writer.write(content);
            }
            if (posix) {
                Files.setPosixFilePermissions(temp, permissions);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
