package dev.netproto.core;

import dev.netproto.api.Message;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A request waiting for its response. It is itself the future returned to the caller (one object per request),
 * and the task that hands the request to the loop when {@code request} is called from another thread.
 */
final class PendingRequest extends CompletableFuture<Message> implements Runnable {
    final Connection connection;
    final byte[] route;
    final String routeName;
    /** The body copied by the calling thread; null when the request was written directly on the loop. */
    private final byte[] body;
    int requestId;

    PendingRequest(Connection connection, byte[] route, String routeName, byte[] body) {
        this.connection = connection;
        this.route = route;
        this.routeName = routeName;
        this.body = body;
    }

    @Override
    public void run() {
        connection.sendRequest(this, ByteBuffer.wrap(body));
    }

    @Override
    public String toString() {
        return "request " + requestId + " to route '" + routeName + "' on " + connection;
    }
}
