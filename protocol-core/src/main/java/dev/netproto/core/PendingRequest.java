package dev.netproto.core;

import dev.netproto.api.Message;
import java.util.concurrent.CompletableFuture;

/**
 * A request waiting for its answer. It is itself the future returned to the caller (one object per request), and
 * the task that hands the request to the client's loop when {@code request} is called from another thread.
 *
 * <p>Fields other than those of the future are written by the calling thread before the hand-off (which
 * publishes them through the task queue) and afterwards only by the loop.
 */
final class PendingRequest extends CompletableFuture<Message> implements Runnable {
    final CoreClient client;
    final byte[] route;
    final String routeName;
    /** When the request times out, by the client's clock; {@link Long#MAX_VALUE} for never. */
    final long deadlineNs;
    /** Whether the body may be compressed. */
    final boolean compress;
    /**
     * The body, copied when the request crosses threads, waits for a reconnect, or may have to be sent again (the
     * client reconnects: {@link CoreClient#canResend}); else null.
     */
    byte[] body;
    int requestId;
    /** How many times the request was sent again after a NOT_PROCESSED answer. */
    int resends;

    PendingRequest(CoreClient client, byte[] route, String routeName, byte[] body, long deadlineNs,
                   boolean compress) {
        this.client = client;
        this.route = route;
        this.routeName = routeName;
        this.body = body;
        this.deadlineNs = deadlineNs;
        this.compress = compress;
    }

    @Override
    public void run() {
        client.onHandedOff(this);
    }

    @Override
    public String toString() {
        return "request " + Integer.toUnsignedString(requestId) + " to route '" + routeName + "'";
    }
}
