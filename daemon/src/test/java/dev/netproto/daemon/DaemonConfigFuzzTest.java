package dev.netproto.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netproto.api.ConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of the config loader: any file, as text, gives a {@link DaemonConfig} or a
 * {@link ConfigurationException} listing its problems, never another exception (a parser's exception escaping, a
 * {@code ClassCastException} from an unexpected TOML type). Seeds, TOML files:
 * {@code src/test/resources/dev/netproto/daemon/DaemonConfigFuzzTestInputs/}.
 */
class DaemonConfigFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void shouldLoadOrListProblemsWhenGivenAnyFile(byte[] toml) throws IOException {
        Path file = dir.resolve("netproto.toml");
        Files.write(file, toml);
        try {
            assertNotNull(DaemonConfig.load(file, Map.of(), Map.of()).listen());
        } catch (ConfigurationException refused) {
            List<String> problems = refused.problems();
            assertFalse(problems.isEmpty(), "a ConfigurationException without problems");
        }
    }
}
