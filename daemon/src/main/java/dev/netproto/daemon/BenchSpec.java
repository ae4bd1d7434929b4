package dev.netproto.daemon;

import dev.netproto.api.ConfigurationException;
import dev.netproto.api.Endpoint;
import dev.netproto.api.Limits;
import dev.netproto.api.RouteConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one benchmark run does: how many connections, how many requests in flight on each, how large their bodies,
 * and for how long. Problems are reported with the {@code np bench} flag that sets each value.
 *
 * @param target      the server, such as {@code tcp://127.0.0.1:7700}
 * @param route       the route to request; for {@value #ECHO_ROUTE} the response length is checked too
 * @param connections how many client connections to open
 * @param depth       how many requests each connection keeps in flight
 * @param size        the request body length in bytes
 * @param warmup      how long to run before measuring; nothing is recorded meanwhile
 * @param measured    how long to measure, positive
 * @param body        what the body holds: {@code random} bytes (incompressible) or {@code json}-like text
 */
record BenchSpec(String target, String route, int connections, int depth, int size, Duration warmup,
                 Duration measured, String body) {

    /** The route that answers with the request's body. */
    static final String ECHO_ROUTE = "echo";
    /** Default {@code --target}. */
    static final String DEFAULT_TARGET = DaemonConfig.DEFAULT_LISTEN;
    /** Most connections one run opens. */
    static final int MAX_CONNECTIONS = 10_000;
    /** Most requests in flight on one connection. */
    static final int MAX_DEPTH = 65_536;
    /** Largest body: the frame cap less room for the route and the payload's own header. */
    static final int MAX_SIZE = Limits.MAX_FRAME_LENGTH_CAP - Limits.MIN_FRAME_LENGTH;
    /** Longest warm-up or measurement. */
    static final Duration MAX_DURATION = Duration.ofHours(24);

    /** The flags of {@code np bench}, with those of {@link BenchTls} and {@link BenchNoise}. */
    static final Set<String> FLAGS = Set.of("--target", "--route", "--connections", "--depth", "--size",
        "--seconds", "--warmup", "--body", "--compression", BenchCommand.IDLE_SPIN_FLAG, BenchTls.CA, BenchTls.CERT,
        BenchTls.KEY, BenchTls.PIN, BenchTls.SERVER_NAME, BenchNoise.SERVER_KEY, BenchNoise.KEY, BenchNoise.CIPHERS);
    /** The switches of {@code np bench} (flags without a value). */
    static final Set<String> SWITCHES = Set.of(BenchCommand.ALLOW_ERRORS_FLAG);
    /** The kinds of body {@code --body} accepts. */
    static final List<String> BODIES = List.of("random", "json");

    /**
     * Validates the run, reporting every problem at once.
     *
     * @param target      the server URI
     * @param route       the route name
     * @param connections connections, 1 to {@value #MAX_CONNECTIONS}
     * @param depth       requests in flight per connection, 1 to {@value #MAX_DEPTH}
     * @param size        body length, 0 to {@value #MAX_SIZE}
     * @param warmup      not negative
     * @param measured    positive
     */
    BenchSpec {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(measured, "measured");
        Objects.requireNonNull(body, "body");
        List<String> problems = new ArrayList<>();
        if (!BODIES.contains(body)) {
            problems.add("--body: must be one of " + BODIES + " (" + body + ")");
        }
        try {
            Endpoint.parse(target);
        } catch (ConfigurationException e) {
            e.problems().forEach(p -> problems.add("--target: " + (p.startsWith("uri: ") ? p.substring(5) : p)));
        } catch (IllegalArgumentException e) {
            problems.add("--target: " + e.getMessage() + " (" + target + ")");
        }
        try {
            RouteConfig.checkName(route);
        } catch (ConfigurationException e) {
            e.problems().forEach(p -> problems.add("--route: " + (p.startsWith("route: ") ? p.substring(7) : p)));
        }
        check(problems, "--connections", connections, 1, MAX_CONNECTIONS);
        check(problems, "--depth", depth, 1, MAX_DEPTH);
        check(problems, "--size", size, 0, MAX_SIZE);
        if (warmup.isNegative() || warmup.compareTo(MAX_DURATION) > 0) {
            problems.add("--warmup: must be in 0.." + MAX_DURATION.toSeconds() + " seconds ("
                + Flags.secondsText(warmup) + ")");
        }
        if (measured.isNegative() || measured.isZero() || measured.compareTo(MAX_DURATION) > 0) {
            problems.add("--seconds: must be more than 0 and at most " + MAX_DURATION.toSeconds() + " seconds ("
                + Flags.secondsText(measured) + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Creates a spec with random bodies.
     *
     * @param target      the server
     * @param route       the route
     * @param connections connections
     * @param depth       requests in flight per connection
     * @param size        body length
     * @param warmup      warm-up
     * @param measured    measured time
     */
    BenchSpec(String target, String route, int connections, int depth, int size, Duration warmup,
              Duration measured) {
        this(target, route, connections, depth, size, warmup, measured, "random");
    }

    /**
     * Fills a body of this spec's size and kind, the same bytes on every run.
     *
     * @return the body
     */
    byte[] newBody() {
        byte[] bytes = new byte[size];
        java.util.Random random = new java.util.Random(LoadGenerator.BODY_SEED);
        if (body.equals("json")) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; sb.length() < size; i++) {
                sb.append("{\"id\":").append(i).append(",\"sensor\":\"edge-").append(random.nextInt(64))
                    .append("\",\"temperature\":").append(random.nextInt(400) / 10.0).append(",\"ok\":")
                    .append(random.nextBoolean()).append("},");
            }
            byte[] text = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            System.arraycopy(text, 0, bytes, 0, size);
        } else {
            random.nextBytes(bytes);
        }
        return bytes;
    }

    /**
     * Reads a run from {@code np bench} flags, checking every flag before failing.
     *
     * @param flags the parsed flags
     * @return the run; defaults: one connection, depth 1, 64 bytes, 2 s warm-up, 10 s measured
     * @throws ConfigurationException listing every bad flag
     */
    static BenchSpec fromFlags(Flags flags) {
        List<String> problems = new ArrayList<>();
        int connections = flags.integer("--connections", 1, 1, MAX_CONNECTIONS, problems);
        int depth = flags.integer("--depth", 1, 1, MAX_DEPTH, problems);
        int size = flags.integer("--size", 64, 0, MAX_SIZE, problems);
        Duration measured = flags.seconds("--seconds", Duration.ofSeconds(10), Duration.ZERO, MAX_DURATION, problems);
        Duration warmup = flags.seconds("--warmup", Duration.ofSeconds(2), Duration.ZERO, MAX_DURATION, problems);
        String target = flags.text("--target", DEFAULT_TARGET);
        String route = flags.text("--route", ECHO_ROUTE);
        try {
            BenchSpec spec = new BenchSpec(target, route, connections, depth, size, warmup, measured,
                flags.text("--body", "random"));
            if (problems.isEmpty()) {
                return spec;
            }
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        throw new ConfigurationException(problems);
    }

    private static void check(List<String> problems, String flag, int value, int min, int max) {
        if (value < min || value > max) {
            problems.add(flag + ": must be in " + min + ".." + max + " (" + value + ")");
        }
    }
}
