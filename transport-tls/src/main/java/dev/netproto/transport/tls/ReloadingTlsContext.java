package dev.netproto.transport.tls;

import dev.netproto.api.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine factory that follows certificate rotation: when the files its {@link TlsConfig} names change, engines
 * created afterwards use the new material, and engines created before keep theirs (an {@link SSLEngine} holds its
 * context for life, so live connections are untouched).
 *
 * <p><b>How changes are noticed.</b> {@link #newEngine} checks at most once per
 * {@link TlsConfig#reloadInterval()}, on the thread that creates the engine. The check reads each file's
 * attributes (modification time, size, file key), which costs a few {@code stat} calls and never blocks for long.
 * Only when they changed are the files read; if their content (SHA-256 over all of them) differs from the loaded
 * material, a new {@link TlsContext} is built and swapped in, which takes a few milliseconds, once per rotation.
 * {@link #checkNow()} compares the content even when the attributes look unchanged, for callers that know the files
 * changed (a {@code SIGHUP}, a file system with coarse timestamps).
 *
 * <p>Why not a {@link java.nio.file.WatchService}: it needs a thread of its own (or polling anyway), it misses
 * changes behind symbolic links, such as the {@code ..data} link Kubernetes swaps when it updates a mounted secret,
 * while attributes read through the link see the new target, and it may be a polling implementation anyway. A
 * check driven by new connections costs nothing when no connection is made and needs no thread: an idle server
 * has nothing to present a certificate to.
 *
 * <p><b>Bad material.</b> If the new files cannot be used (unparsable, a key that does not match its certificate,
 * a file half-written), the current context stays, and one WARN names every problem; the same files are not tried
 * again until they change once more. Writers should replace files atomically (write a temporary file, then rename
 * it), key before certificate; a check that falls between the two renames costs one WARN and is corrected by the
 * next check.
 *
 * <p><b>Threading.</b> Thread-safe. {@link #newEngine} may be called from any thread, including event loops: the
 * current context is a volatile read; one caller per interval wins a compare-and-set and does the check, and it
 * never waits for a lock ({@code tryLock}: if {@link #checkNow()} is running on another thread, it skips). The
 * attributes, digests and counters below are written only while holding {@code checkLock}.
 */
public final class ReloadingTlsContext implements TlsEngineFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingTlsContext.class);

    private final TlsConfig config;
    private final long intervalNs;
    private final AtomicLong nextCheckNs;
    private final ReentrantLock checkLock = new ReentrantLock();
    private volatile TlsContext current;

    /** The attributes of the files as last checked; guarded by {@code checkLock}. */
    private List<Object> lastAttributes;
    /** The material last refused, so that it is warned about once; guarded by {@code checkLock}. */
    private TlsMaterial rejected;
    /** How many reloads failed; written under {@code checkLock}, read by tests. */
    private volatile int failedReloads;

    private ReloadingTlsContext(TlsConfig config, TlsContext initial, List<Object> attributes) {
        this.config = config;
        this.intervalNs = config.reloadInterval().toNanos();
        this.nextCheckNs = new AtomicLong(System.nanoTime() + intervalNs);
        this.current = initial;
        this.lastAttributes = attributes;
    }

    /**
     * Loads the configured material and starts following its files. Reads files: call it where blocking is
     * allowed, such as at start.
     *
     * @param config the settings; a zero {@link TlsConfig#reloadInterval()} checks on every new engine
     * @return the context
     * @throws ConfigurationException if the material cannot be read or used, listing every problem with its key
     */
    public static ReloadingTlsContext load(TlsConfig config) {
        // Attributes first: a change between reading them and reading the files is then seen by the first check.
        List<Object> attributes = attributes(config.files());
        return new ReloadingTlsContext(config, TlsContext.load(config), attributes);
    }

    @Override
    public SSLEngine newEngine(String peerHost, int peerPort) {
        long now = System.nanoTime();
        long next = nextCheckNs.get();
        if (now - next >= 0 && nextCheckNs.compareAndSet(next, now + intervalNs) && checkLock.tryLock()) {
            try {
                check(false);
            } finally {
                checkLock.unlock();
            }
        }
        return current.newEngine(peerHost, peerPort);
    }

    @Override
    public TlsConfig config() {
        return config;
    }

    /**
     * Returns the context new engines are currently made from.
     *
     * @return the current context
     */
    public TlsContext current() {
        return current;
    }

    /**
     * Reads the files now and switches to their content if it differs from the current material and can be used.
     * Reads files: call it where blocking is allowed. Waits for a check running on another thread.
     *
     * @return {@code true} if new engines now use new material
     */
    public boolean checkNow() {
        checkLock.lock();
        try {
            return check(true);
        } finally {
            checkLock.unlock();
        }
    }

    int failedReloads() {
        return failedReloads;
    }

    /** Runs under {@code checkLock}. */
    private boolean check(boolean force) {
        List<Object> attributes = attributes(config.files());
        if (!force && attributes.equals(lastAttributes)) {
            return false;
        }
        lastAttributes = attributes;
        TlsMaterial material;
        try {
            material = TlsMaterial.read(config);
        } catch (ConfigurationException e) {
            reject(null, e);
            return false;
        }
        if (material.sameContent(current.material()) || material.sameContent(rejected)) {
            return false;
        }
        try {
            TlsContext next = TlsContext.build(config, material);
            current = next;
            rejected = null;
            LOG.info("TLS material reloaded from {}: new connections present {}", config.files(), next.describe());
            return true;
        } catch (ConfigurationException | TlsException e) {
            reject(material, e);
            return false;
        }
    }

    private void reject(TlsMaterial material, RuntimeException e) {
        rejected = material;
        failedReloads++;
        LOG.warn("TLS material in {} changed but cannot be used; new connections keep presenting {}: {}",
            config.files(), current.describe(), e.getMessage());
    }

    /**
     * Returns, per file, its modification time, size and file key (device and inode on Unix, so that a file
     * replaced by a rename is noticed even with the same time and size), or the failure to read them.
     */
    private static List<Object> attributes(List<Path> files) {
        List<Object> attributes = new ArrayList<>(files.size() * 3);
        for (Path file : files) {
            try {
                BasicFileAttributes read = Files.readAttributes(file, BasicFileAttributes.class);
                FileTime modified = read.lastModifiedTime();
                attributes.add(modified);
                attributes.add(read.size());
                attributes.add(read.fileKey() == null ? "" : read.fileKey());
            } catch (IOException e) {
                attributes.add(e.toString());
            }
        }
        return attributes;
    }
}
