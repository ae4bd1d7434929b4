package dev.netproto.api;

import java.io.Serial;
import java.util.List;

/**
 * Thrown when options or a configuration file are invalid. It lists every problem found, each naming the
 * offending key, so that a user fixes them all in one pass instead of one per restart.
 */
public final class ConfigurationException extends NetprotoException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The problems, each of the form {@code key: what is wrong (value)}. */
    private final String[] problems;

    /**
     * Creates an exception for one or more problems.
     *
     * @param problems the problems, each naming its key; at least one
     */
    public ConfigurationException(List<String> problems) {
        super(format(problems));
        this.problems = problems.toArray(String[]::new);
    }

    /**
     * Creates an exception for a single problem.
     *
     * @param key     the offending configuration key
     * @param problem what is wrong with it, including the value
     */
    public ConfigurationException(String key, String problem) {
        this(List.of(key + ": " + problem));
    }

    /**
     * Returns every problem found, each naming its key.
     *
     * @return the problems, never empty
     */
    public List<String> problems() {
        return List.of(problems);
    }

    private static String format(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems must not be empty");
        }
        if (problems.size() == 1) {
            return "invalid configuration: " + problems.get(0);
        }
        return "invalid configuration (" + problems.size() + " problems):\n  " + String.join("\n  ", problems);
    }
}
