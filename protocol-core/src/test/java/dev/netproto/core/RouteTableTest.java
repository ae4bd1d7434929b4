package dev.netproto.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.netproto.api.RouteConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RouteTableTest {
    @Test
    void shouldFindRoutesByTheirBytesInPlace() {
        Map<String, RouteConfig> routes = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            routes.put("route-" + i, new RouteConfig("route-" + i, (m, r) -> { }, i % 2 == 0));
        }
        routes.put("ünïcødé", new RouteConfig("ünïcødé", (m, r) -> { }, false));
        RouteTable table = new RouteTable(routes);
        for (String name : routes.keySet()) {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = ByteBuffer.allocate(bytes.length + 7);
            frame.put(7, bytes);
            RouteTable.Route found = table.find(frame, 7, bytes.length);
            assertEquals(name, found.nameString);
            assertEquals(routes.get(name).blocking(), found.blocking);
        }
        assertNull(table.find(ByteBuffer.wrap("route-100".getBytes(StandardCharsets.UTF_8)), 0, 9));
        assertNull(table.find(ByteBuffer.wrap("route-1".getBytes(StandardCharsets.UTF_8)), 0, 6));
        assertNull(RouteTable.EMPTY.find(ByteBuffer.wrap(new byte[] {'x'}), 0, 1));
    }
}
