package dev.netproto.testkit;

import java.io.File;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit extension behind {@link RequiresProgram}: finds the programs a test needs on the {@code PATH} and, for
 * each one missing, skips the test or fails it depending on {@value #REQUIRE_PROPERTY}.
 *
 * <p>Skipping happens in the execution condition, so a skipped test is reported with its reason and never starts.
 * Failing happens before the test's own set-up (before-all for an annotated class, before-each for an annotated
 * method), so the failure names the missing program instead of some later "Cannot run program" error.
 */
public final class ExternalPrograms implements ExecutionCondition, BeforeAllCallback, BeforeEachCallback {
    /**
     * The system property that makes a missing program a failure instead of a skip. {@code .ci/run} sets it to
     * {@code true}; nothing else should.
     */
    public static final String REQUIRE_PROPERTY = "netproto.test.requirePrograms";

    /** Creates the extension; JUnit does this for every {@link RequiresProgram} use. */
    public ExternalPrograms() {
    }

    /**
     * Finds a program in the directories of the {@code PATH}, as a shell would.
     *
     * @param program a file name such as {@code openssl}
     * @return the executable's path, or empty if no directory of the {@code PATH} has one by that name
     */
    public static Optional<Path> locate(String program) {
        String path = System.getenv("PATH");
        if (path == null || program.isEmpty() || program.contains(File.separator)) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            try {
                Path candidate = Path.of(directory, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            } catch (InvalidPathException ignore) {
                // A malformed PATH entry holds no program.
            }
        }
        return Optional.empty();
    }

    /**
     * Whether missing programs fail tests in this run, as {@value #REQUIRE_PROPERTY} says.
     *
     * @return {@code true} when the property is {@code true}
     */
    public static boolean required() {
        return Boolean.parseBoolean(System.getProperty(REQUIRE_PROPERTY, "false"));
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<RequiresProgram> missing = context.getElement().map(ExternalPrograms::missing).orElse(List.of());
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("every required program is on the PATH");
        }
        if (required()) {
            return ConditionEvaluationResult.enabled(REQUIRE_PROPERTY + "=true: the test fails before it starts");
        }
        return ConditionEvaluationResult.disabled(describe(missing)
            + "; skipped (run with -D" + REQUIRE_PROPERTY + "=true to make this a failure, as CI does)");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        failIfRequired(context.getRequiredTestClass());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        failIfRequired(context.getRequiredTestMethod());
    }

    private static void failIfRequired(AnnotatedElement element) {
        List<RequiresProgram> missing = missing(element);
        if (!missing.isEmpty() && required()) {
            throw new AssertionError(describe(missing) + "; " + REQUIRE_PROPERTY
                + "=true, so a missing program fails the test (install it in .ci/run)");
        }
    }

    /** The annotations directly on one element (a class or a method) whose program is not on the PATH. */
    private static List<RequiresProgram> missing(AnnotatedElement element) {
        return AnnotationSupport.findRepeatableAnnotations(element, RequiresProgram.class).stream()
            .filter(program -> locate(program.value()).isEmpty())
            .toList();
    }

    /** "socat not found on the PATH (install the Debian package socat)", joined for several programs. */
    static String describe(List<RequiresProgram> missing) {
        return missing.stream()
            .map(program -> program.value() + " not found on the PATH (install the Debian package "
                + (program.debianPackage().isEmpty() ? program.value() : program.debianPackage()) + ")")
            .collect(Collectors.joining(", "));
    }
}
