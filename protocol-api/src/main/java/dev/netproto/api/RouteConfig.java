package dev.netproto.api;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A route: a name and the handler for messages sent to it.
 *
 * @param name     the route name: 1 to {@value Limits#MAX_ROUTE_LENGTH} bytes of UTF-8
 * @param handler  the handler
 * @param blocking whether the handler may block and so runs on the blocking executor rather than the event loop
 */
public record RouteConfig(String name, Handler handler, boolean blocking) {

    /**
     * Validates the route.
     *
     * @param name     the route name
     * @param handler  the handler
     * @param blocking whether the handler runs off the event loop
     */
    public RouteConfig {
        Objects.requireNonNull(handler, "handler");
        checkName(name);
    }

    /**
     * Checks that a route name is non-empty and fits the wire format.
     *
     * @param name the name to check
     * @return the name's UTF-8 bytes
     * @throws ConfigurationException naming the route and the limit
     */
    public static byte[] checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new ConfigurationException("route", "name must not be empty");
        }
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > Limits.MAX_ROUTE_LENGTH) {
            throw new ConfigurationException("route", "name is " + utf8.length + " bytes of UTF-8, more than "
                + Limits.MAX_ROUTE_LENGTH + " (" + name.substring(0, 32) + "...)");
        }
        return utf8;
    }
}
