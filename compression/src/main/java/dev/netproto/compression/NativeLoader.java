package dev.netproto.compression;

import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Loads a library backed by native code once, and turns a platform the library has no native code for into one
 * warning instead of a crash. Called from the class initialisers of the providers' holder classes, so each
 * library is tried once per class loader, on first use.
 */
final class NativeLoader {

    private NativeLoader() {
    }

    /** Returns the platform as the JVM names it, such as {@code Linux/amd64}, for messages. */
    static String platform() {
        return System.getProperty("os.name") + "/" + System.getProperty("os.arch");
    }

    /**
     * Runs {@code loader} and returns its result, or {@code null} after logging one warning when it failed.
     *
     * <p>The catch is broad on purpose. A missing or unloadable native library shows as an
     * {@link UnsatisfiedLinkError}, a {@link NoClassDefFoundError} or an {@link ExceptionInInitializerError} (all
     * {@link LinkageError}s), as an {@link UnsupportedOperationException} (lz4-java on an unknown OS or
     * architecture), or as an {@link AssertionError} (lz4-java wraps its self-test failures in one). Each means
     * "this library does not work here", which is the outcome we report; nothing else runs in {@code loader}.
     *
     * @param log         the provider's logger
     * @param algorithm   the algorithm's name, for the message
     * @param what        what was being loaded, for the message
     * @param consequence what happens instead, for the message
     * @param loader      loads the library and checks that it works
     * @param <T>         what the loader returns
     * @return the loader's result, or {@code null} if it failed
     */
    static <T> T load(Logger log, String algorithm, String what, String consequence, Supplier<T> loader) {
        try {
            return loader.get();
        } catch (LinkageError | AssertionError | RuntimeException e) {
            log.warn("{}: {} did not load on {} ({}); {}", algorithm, what, platform(), describe(e), consequence);
            log.debug("{}: the failure to load {}", algorithm, what, e);
            return null;
        }
    }

    /** The failure and its causes on one line: the libraries wrap the useful message, or spread it over lines. */
    static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && text.length() < 1000; t = t.getCause()) {
            if (!text.isEmpty()) {
                text.append(", caused by ");
            }
            text.append(t.getClass().getName());
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                text.append(": ").append(t.getMessage().strip().replaceAll("\\s+", " "));
            }
        }
        return text.toString();
    }
}
