package dev.netproto.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that runs an external program, such as a real peer ({@code socat}, {@code openssl},
 * {@code haproxy}) or a checker ({@code promtool}).
 *
 * <p>Where the program is on the {@code PATH} the test runs as usual. Where it is missing, one switch decides, the
 * system property {@value ExternalPrograms#REQUIRE_PROPERTY} (given to Maven as {@code -D}; surefire hands it to the
 * test JVM):
 * <ul>
 *   <li>unset or {@code false} (a contributor's machine): the test is skipped, and the skip reason names the program
 *       and the Debian package that provides it;</li>
 *   <li>{@code true} (CI, set by {@code .ci/run}): the test fails, saying the same, so that a missing install step
 *       can never turn into a silently skipped test.</li>
 * </ul>
 *
 * <p>Repeat the annotation for a test that needs several programs.
 *
 * <pre>{@code
 * @Test
 * @RequiresProgram(value = "socat")
 * void shouldExchangeAFrameWithSocat() { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(RequiresPrograms.class)
@ExtendWith(ExternalPrograms.class)
public @interface RequiresProgram {

    /**
     * The program's file name, looked up in the directories of the {@code PATH}.
     *
     * @return a file name such as {@code socat}
     */
    String value();

    /**
     * The Debian package that installs the program, named in the skip or failure message.
     *
     * @return a package name; empty means the package has the program's name
     */
    String debianPackage() default "";
}
