package dev.netproto.core;

import dev.netproto.api.ConnectionErrorListener;
import java.util.concurrent.Executor;

/**
 * What every connection of one server (or one client) shares. Immutable.
 *
 * @param routes           the handlers by route; empty for clients
 * @param blockingExecutor runs blocking handlers; null when there are none
 * @param errorListener    told about connections that end with an error; null for none
 * @param security         the security mechanism this side requires
 * @param maxFrameLength   the largest payload this side accepts
 * @param connectTimeoutNs clients: how long connect and HELLO may take; 0 for servers
 */
record Settings(RouteTable routes, Executor blockingExecutor, ConnectionErrorListener errorListener,
                String security, int maxFrameLength, long connectTimeoutNs) {
}
