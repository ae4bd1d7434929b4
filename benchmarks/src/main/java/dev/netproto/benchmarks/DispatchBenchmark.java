package dev.netproto.benchmarks;

import dev.netproto.api.RouteConfig;
import dev.netproto.core.RouteTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Route lookup, one per operation, on route names as they sit in received REQUEST frames (a length byte, then the
 * UTF-8 name, in a direct buffer):
 *
 * <ul>
 *   <li>{@code routeTable}: {@link RouteTable#find}, which hashes and compares the bytes in place.</li>
 *   <li>{@code decodeThenHashMap}: what a naive dispatcher does: copy the bytes out, decode a {@link String},
 *       then {@link HashMap#get}. It allocates the array and the string every time.</li>
 * </ul>
 *
 * <p>Each operation looks up the next of {@link #PROBES} names, in turn, so that neither side can settle on one
 * name: for {@code hit} they are the registered names (repeated when there are fewer than {@code PROBES}), for
 * {@code miss} names of the same shape that are not registered.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DispatchBenchmark -prof gc}.
 */
@State(Scope.Thread)
public class DispatchBenchmark extends AbstractBenchmark {
    /** Distinct lookups cycled through; a power of two. */
    static final int PROBES = 64;

    /** Registered routes. */
    @Param({"1", "8", "64"})
    public int routes;

    /** Whether the names looked up are registered ({@code hit}) or not ({@code miss}). */
    @Param({"hit", "miss"})
    public String lookup;

    private RouteTable table;
    private Map<String, RouteConfig> map;
    /** The probe names, each as a length byte and its UTF-8 bytes, one after the other. */
    private ByteBuffer frames;
    /** Offset of each probe's length byte in {@link #frames}. */
    private final int[] offsets = new int[PROBES];
    private int next;

    /** Creates the benchmark state; JMH calls this. */
    public DispatchBenchmark() {
    }

    /** Builds the table, the map and the probes. */
    @Setup(Level.Trial)
    public void setUp() {
        Map<String, RouteConfig> configs = new LinkedHashMap<>();
        for (int i = 0; i < routes; i++) {
            String name = name(i);
            configs.put(name, new RouteConfig(name, (m, r) -> { }, false));
        }
        table = new RouteTable(configs);
        map = new HashMap<>(configs);
        boolean hit = lookup.equals("hit");
        frames = ByteBuffer.allocateDirect(PROBES * 64);
        for (int i = 0; i < PROBES; i++) {
            byte[] name = (hit ? name(i % routes) : name(routes + i)).getBytes(StandardCharsets.UTF_8);
            offsets[i] = frames.position();
            frames.put((byte) name.length).put(name);
        }
        if (hit != (routeTable() != null) || hit != (decodeThenHashMap() != null)) {
            throw new IllegalStateException("probes do not " + lookup + " for " + routes + " routes");
        }
        next = 0;
    }

    private static String name(int i) {
        return "orders.v2/item-" + i;
    }

    /**
     * Finds the next probe's route in the table.
     *
     * @return the route, or null on a miss; typed {@code Object} because this module exports its benchmark
     *     classes, and javac's lint objects to their signatures naming types of modules not required transitively
     */
    @Benchmark
    public Object routeTable() {
        int at = nextProbe();
        return table.find(frames, at + 1, frames.get(at) & 0xFF);
    }

    /**
     * Decodes the next probe's name and looks it up in a {@link HashMap}.
     *
     * @return the route's configuration, or null on a miss; {@code Object} for the reason given above
     */
    @Benchmark
    public Object decodeThenHashMap() {
        int at = nextProbe();
        byte[] bytes = new byte[frames.get(at) & 0xFF];
        frames.get(at + 1, bytes);
        return map.get(new String(bytes, StandardCharsets.UTF_8));
    }

    private int nextProbe() {
        int i = next;
        next = (i + 1) & (PROBES - 1);
        return offsets[i];
    }
}
