package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The flags of one {@code np} command, written {@code --name value} or {@code --name=value}. Parsing reports every
 * problem at once, as a {@link ConfigurationException} whose problems each start with the flag's name; the typed
 * accessors add their problems to a list the caller owns, so that a command can check all its flags before it
 * fails.
 *
 * <p>Immutable once parsed; used on the main thread only.
 */
final class Flags {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** Values by flag name (with its leading dashes), in the order given. */
    private final Map<String, List<String>> values;

    private Flags(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * Parses a command's arguments.
     *
     * @param args       the arguments after the command name
     * @param known      every flag the command accepts, such as {@code --depth}
     * @param repeatable the flags that may be given more than once
     * @return the flags
     * @throws ConfigurationException listing every unknown, repeated or incomplete flag and every stray argument
     */
    static Flags parse(List<String> args, Set<String> known, Set<String> repeatable) {
        return parse(args, known, repeatable, Set.of());
    }

    /**
     * Parses flags, some of which are switches: written alone ({@code --allow-errors}), they take no value.
     *
     * @param args       the arguments after the command name
     * @param known      every flag the command accepts that takes a value, such as {@code --depth}
     * @param repeatable the flags that may be given more than once
     * @param switches   the flags that take no value; {@link #has} tells whether one was given
     * @return the flags
     * @throws ConfigurationException listing every unknown, repeated or incomplete flag, every switch given a value
     *                                and every stray argument
     */
    static Flags parse(List<String> args, Set<String> known, Set<String> repeatable, Set<String> switches) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                problems.add(arg + ": unexpected argument (flags are written --name value)");
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (switches.contains(eq >= 0 ? arg.substring(0, eq) : arg)) {
                if (eq >= 0) {
                    problems.add(arg.substring(0, eq) + ": takes no value (" + arg.substring(eq + 1) + ")");
                } else if (values.putIfAbsent(arg, List.of()) != null) {
                    problems.add(arg + ": given more than once");
                }
                continue;
            }
            if (eq >= 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            }
            if (!known.contains(name)) {
                problems.add(name + ": unknown flag (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            } else if (value == null) {
                problems.add(name + ": missing value");
            } else {
                List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
                if (!list.isEmpty() && !repeatable.contains(name)) {
                    problems.add(name + ": given more than once (" + list.get(0) + ", then " + value + ")");
                } else {
                    list.add(value);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new Flags(values);
    }

    /**
     * Tells whether a flag was given; for a switch, whether it is on.
     *
     * @param name the flag, such as {@code --allow-errors}
     * @return true if it was given
     */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * Returns every value given for a flag.
     *
     * @param name the flag, such as {@code --listen}
     * @return the values in the order given; empty if the flag is absent
     */
    List<String> all(String name) {
        return Collections.unmodifiableList(values.getOrDefault(name, List.of()));
    }

    /**
     * Returns every flag that was given, with its values.
     *
     * @return the values by flag name
     */
    Map<String, List<String>> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /**
     * Returns a flag's value as text.
     *
     * @param name         the flag
     * @param defaultValue returned when the flag is absent
     * @return the value
     */
    String text(String name, String defaultValue) {
        List<String> list = values.get(name);
        return list == null ? defaultValue : list.get(0);
    }

    /**
     * Returns a flag's value as an integer within a range.
     *
     * @param name         the flag
     * @param defaultValue returned when the flag is absent
     * @param min          the smallest allowed value
     * @param max          the largest allowed value
     * @param problems     receives a problem naming the flag if the value is not an integer in range
     * @return the value, or the default if it is absent or invalid
     */
    int integer(String name, int defaultValue, int min, int max, List<String> problems) {
        String text = text(name, null);
        if (text == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            problems.add(name + ": expected an integer (" + text + ")");
            return defaultValue;
        }
        if (value < min || value > max) {
            problems.add(name + ": must be in " + min + ".." + max + " (" + text + ")");
            return defaultValue;
        }
        return (int) value;
    }

    /**
     * Returns a flag's value, a number of seconds that may have a fraction, as a duration within a range.
     *
     * @param name         the flag
     * @param defaultValue returned when the flag is absent
     * @param min          the shortest allowed duration
     * @param max          the longest allowed duration
     * @param problems     receives a problem naming the flag if the value is not a number of seconds in range
     * @return the value, or the default if it is absent or invalid
     */
    Duration seconds(String name, Duration defaultValue, Duration min, Duration max, List<String> problems) {
        String text = text(name, null);
        if (text == null) {
            return defaultValue;
        }
        Duration value;
        try {
            BigDecimal seconds = new BigDecimal(text.strip());
            value = Duration.ofNanos(seconds.multiply(BigDecimal.valueOf(NANOS_PER_SECOND))
                .setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            problems.add(name + ": expected a number of seconds (" + text + ")");
            return defaultValue;
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problems.add(name + ": must be in " + secondsText(min) + ".." + secondsText(max) + " seconds (" + text
                + ")");
            return defaultValue;
        }
        return value;
    }

    /**
     * Formats a duration as a plain number of seconds.
     *
     * @param d the duration
     * @return such as {@code 2} or {@code 0.5}
     */
    static String secondsText(Duration d) {
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString();
    }
}
