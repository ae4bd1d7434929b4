package dev.netproto.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.helpers.NOPLogger;

@Timeout(120)
class NativeLoaderTest {

    @Test
    void shouldReturnNullWhenTheLoaderFailsLikeAMissingNativeLibrary() {
        List<Supplier<String>> failures = List.of(
            () -> {
                throw new UnsatisfiedLinkError("no liblz4-java in java.library.path");
            },
            () -> {
                throw new ExceptionInInitializerError(new UnsupportedOperationException("Unsupported OS/arch"));
            },
            () -> {
                throw new AssertionError(new IllegalStateException("self-test failed"));
            },
            () -> {
                throw new UnsupportedOperationException("Unsupported operating system: Plan 9");
            });
        for (Supplier<String> failure : failures) {
            assertNull(NativeLoader.load(NOPLogger.NOP_LOGGER, "test",
                "a library", "nothing happens", failure));
        }
        assertEquals("java.lang.ExceptionInInitializerError, caused by java.lang.UnsupportedOperationException: "
            + "Unsupported OS/arch, cannot find it", NativeLoader.describe(new ExceptionInInitializerError(
                new UnsupportedOperationException("Unsupported OS/arch,\n   cannot find it"))));
        assertEquals("ok", NativeLoader.load(NOPLogger.NOP_LOGGER, "test",
            "a library", "nothing happens", () -> "ok"));
    }

    /**
     * Starts a JVM that believes it runs on an architecture the libraries ship no native code for: zstd reports
     * itself unavailable, lz4 falls back to pure Java, and each says so in one warning.
     */
    @Test
    void shouldReportZstdUnavailableAndLz4PureJavaWhenNoNativeCodeExistsForThePlatform() throws Exception {
        Set<String> path = new LinkedHashSet<>();
        String basedir = System.getProperty("basedir", ".");
        path.add(Path.of(basedir, "target", "test-classes").toString());
        path.add(Path.of(basedir, "target", "classes").toString());
        for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isEmpty()) {
                path.addAll(List.of(value.split(File.pathSeparator)));
            }
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Dos.arch=sparcv9");
        command.add("-cp");
        command.add(String.join(File.pathSeparator, path));
        command.add(NativeProbe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("lz4 available=true native=false round-trip=ok"), output);
        assertTrue(output.contains("zstd available=false"), output);
        assertTrue(output.contains("zstd compress: java.lang.IllegalStateException: zstd is not available on"),
            output);
        assertEquals(1, count(output, "WARN dev.netproto.compression.Lz4CompressionProvider - lz4: "
            + "the native LZ4 library did not load on Linux/sparcv9"), output);
        assertEquals(1, count(output, "WARN dev.netproto.compression.ZstdCompressionProvider - zstd: "
            + "the native zstd library did not load on Linux/sparcv9"), output);
        assertEquals(2, count(output, "WARN"), "one warning per library, each on one line: " + output);
        assertEquals(0, count(output, "restricted method"), output);
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }
}
