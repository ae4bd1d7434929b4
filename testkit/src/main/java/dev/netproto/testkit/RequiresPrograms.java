package dev.netproto.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/** The container of repeated {@link RequiresProgram} annotations; not written by hand. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(ExternalPrograms.class)
public @interface RequiresPrograms {

    /**
     * The repeated annotations.
     *
     * @return every program the annotated test needs
     */
    RequiresProgram[] value();
}
