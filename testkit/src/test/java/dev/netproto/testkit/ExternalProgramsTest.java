package dev.netproto.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * The switch behind {@link RequiresProgram}, run through the real JUnit engine on small fixture classes: a present
 * program runs the test; a missing one skips it with the program and package named, or fails it when
 * {@value ExternalPrograms#REQUIRE_PROPERTY} is {@code true}.
 */
class ExternalProgramsTest {
    private static final String MISSING = "netproto-no-such-program";
    /** How often a fixture's test body ran, to show that a skipped or failed one never started. */
    private static final AtomicInteger BODIES = new AtomicInteger();

    @Test
    void shouldFindAProgramOnThePathAndNotAMissingOne() {
        assertTrue(ExternalPrograms.locate("sh").isPresent(), "sh is on every PATH this suite runs with");
        assertEquals(Optional.empty(), ExternalPrograms.locate(MISSING));
        assertEquals(Optional.empty(), ExternalPrograms.locate("/bin/sh"), "a path is not a program name");
    }

    @Test
    void shouldRunTheTestWhenTheProgramIsPresent() throws Exception {
        int before = BODIES.get();
        Events tests = run(Present.class, "true");
        assertEquals(1, tests.succeeded().count(), tests::toString);
        assertEquals(before + 1, BODIES.get());
    }

    @Test
    void shouldSkipNamingProgramAndPackageWhenMissingAndNotRequired() throws Exception {
        int before = BODIES.get();
        Events tests = run(MissingOnMethod.class, "false");
        assertEquals(1, tests.skipped().count(), tests::toString);
        String reason = tests.skipped().stream().findFirst().flatMap(ExternalProgramsTest::skipReason).orElseThrow();
        assertTrue(reason.contains(MISSING + " not found on the PATH (install the Debian package pkg-of-it)"), reason);
        assertTrue(reason.contains("-D" + ExternalPrograms.REQUIRE_PROPERTY + "=true"), reason);
        assertEquals(before, BODIES.get(), "a skipped test never starts");
    }

    @Test
    void shouldFailNamingTheProgramWhenMissingAndRequired() throws Exception {
        int before = BODIES.get();
        Events tests = run(MissingOnMethod.class, "true");
        assertEquals(1, tests.failed().count(), tests::toString);
        Throwable cause = tests.failed().stream().findFirst().flatMap(ExternalProgramsTest::failure).orElseThrow();
        String message = cause.getMessage();
        assertTrue(message.contains(MISSING + " not found on the PATH (install the Debian package pkg-of-it)"),
            message);
        assertEquals(before, BODIES.get(), "a failed requirement stops the test before its body");
    }

    @Test
    void shouldSkipOrFailAnAnnotatedClassAsAWhole() throws Exception {
        int before = BODIES.get();
        Events skipped = withRequirement("false", () -> EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(MissingOnClass.class)).execute().containerEvents());
        assertEquals(1, skipped.skipped().count(), skipped::toString);
        Events failed = withRequirement("true", () -> EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(MissingOnClass.class)).execute().containerEvents());
        assertEquals(1, failed.failed().count(), failed::toString);
        Throwable cause = failed.failed().stream().findFirst().flatMap(ExternalProgramsTest::failure).orElseThrow();
        assertTrue(cause.getMessage().contains(MISSING + " not found on the PATH"), cause.getMessage());
        assertEquals(before, BODIES.get(), "no test of the class starts");
    }

    @Test
    void shouldNeedEveryRepeatedProgram() throws Exception {
        Events tests = run(OneOfTwoMissing.class, "false");
        assertEquals(1, tests.skipped().count(), tests::toString);
        String reason = tests.skipped().stream().findFirst().flatMap(ExternalProgramsTest::skipReason).orElseThrow();
        assertTrue(reason.startsWith(MISSING + " not found"), reason);
        assertTrue(!reason.contains("sh not found"), "only the missing program is named: " + reason);
    }

    /** Runs a fixture with the switch set as given, restoring it after; returns the test (not container) events. */
    private static Events run(Class<?> fixture, String require) throws Exception {
        return withRequirement(require, () -> EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(fixture)).execute().testEvents());
    }

    private static <T> T withRequirement(String require, Callable<T> action) throws Exception {
        String previous = System.getProperty(ExternalPrograms.REQUIRE_PROPERTY);
        System.setProperty(ExternalPrograms.REQUIRE_PROPERTY, require);
        try {
            return action.call();
        } finally {
            if (previous == null) {
                System.clearProperty(ExternalPrograms.REQUIRE_PROPERTY);
            } else {
                System.setProperty(ExternalPrograms.REQUIRE_PROPERTY, previous);
            }
        }
    }

    private static Optional<String> skipReason(Event event) {
        return event.getPayload(String.class);
    }

    private static Optional<Throwable> failure(Event event) {
        return event.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable);
    }

    /** Fixture: needs {@code sh}, which is present. */
    static class Present {
        @Test
        @RequiresProgram("sh")
        void body() {
            BODIES.incrementAndGet();
        }
    }

    /** Fixture: one test needs a program that does not exist. */
    static class MissingOnMethod {
        @Test
        @RequiresProgram(value = MISSING, debianPackage = "pkg-of-it")
        void body() {
            BODIES.incrementAndGet();
        }
    }

    /** Fixture: the whole class needs a program that does not exist. */
    @RequiresProgram(MISSING)
    static class MissingOnClass {
        @Test
        void first() {
            BODIES.incrementAndGet();
        }

        @Test
        void second() {
            BODIES.incrementAndGet();
        }
    }

    /** Fixture: two programs, one present and one missing. */
    static class OneOfTwoMissing {
        @Test
        @RequiresProgram("sh")
        @RequiresProgram(MISSING)
        void body() {
            BODIES.incrementAndGet();
        }
    }
}
