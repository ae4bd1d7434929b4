package dev.netproto.core;

import dev.netproto.api.Handler;
import dev.netproto.api.RouteConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Finds a route by the UTF-8 bytes of its name, read in place from a frame, without decoding a string or
 * allocating. Built once at start and never changed, so loops share it without synchronisation.
 *
 * <p>Public only so that the benchmarks module (the one module this package is exported to) can measure
 * {@link #find}; applications reach routes through {@code dev.netproto.api}.
 */
public final class RouteTable {
    /** A registered route. */
    public static final class Route {
        final byte[] name;
        final String nameString;
        final Handler handler;
        final boolean blocking;

        Route(RouteConfig config) {
            this.name = config.name().getBytes(StandardCharsets.UTF_8);
            this.nameString = config.name();
            this.handler = config.handler();
            this.blocking = config.blocking();
        }
    }

    static final RouteTable EMPTY = new RouteTable(Map.of());

    private final Route[] slots;
    private final int mask;

    /**
     * Builds the table; the cold path, once per server.
     *
     * @param routes the routes by name
     */
    public RouteTable(Map<String, RouteConfig> routes) {
        int cap = Integer.highestOneBit(Math.max(4, routes.size() * 4) - 1) << 1;
        slots = new Route[cap];
        mask = cap - 1;
        for (RouteConfig config : routes.values()) {
            Route r = new Route(config);
            int i = hash(ByteBuffer.wrap(r.name), 0, r.name.length) & mask;
            while (slots[i] != null) {
                i = (i + 1) & mask;
            }
            slots[i] = r;
        }
    }

    /**
     * Looks up the route whose name is the {@code length} bytes at {@code offset}. Any thread may call it.
     *
     * @param buf    the buffer holding the name, typically the frame as read
     * @param offset where the name's UTF-8 bytes start
     * @param length how many bytes the name has
     * @return the route, or null
     */
    public Route find(ByteBuffer buf, int offset, int length) {
        for (int i = hash(buf, offset, length) & mask; ; i = (i + 1) & mask) {
            Route r = slots[i];
            if (r == null) {
                return null;
            }
            if (matches(r.name, buf, offset, length)) {
                return r;
            }
        }
    }

    private static boolean matches(byte[] name, ByteBuffer buf, int offset, int length) {
        if (name.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name[i] != buf.get(offset + i)) {
                return false;
            }
        }
        return true;
    }

    /** FNV-1a over the bytes. */
    private static int hash(ByteBuffer buf, int offset, int length) {
        int h = 0x811C9DC5;
        for (int i = 0; i < length; i++) {
            h = (h ^ (buf.get(offset + i) & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }
}
