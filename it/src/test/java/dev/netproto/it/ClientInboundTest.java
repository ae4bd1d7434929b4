package dev.netproto.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netproto.api.Client;
import dev.netproto.api.ClientOptions;
import dev.netproto.api.ErrorCode;
import dev.netproto.api.Message;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the reference client does with frames that in version 1 only clients send (docs/PROTOCOL.md sections 1 and
 * 5): a {@link RawServer} sends them to it.
 */
@Timeout(60)
class ClientInboundTest {

    @Test
    void shouldAnswerARequestWithUnknownRouteAndDropAMessage() throws Exception {
        try (RawServer raw = new RawServer(0)) {
            CompletableFuture<Client> connecting = Client.connectAsync(raw.uri(), ClientOptions.defaults());
            raw.acceptAndHello();
            try (Client client = connecting.get(10, TimeUnit.SECONDS)) {
                raw.write(RawPeer.frame(RawPeer.REQUEST, 42, RawPeer.requestPayload("push", new byte[] {1})));
                RawPeer.Frame error = raw.read();
                assertEquals(RawPeer.ERROR, error.type());
                assertEquals(42, error.requestId());
                assertEquals(ErrorCode.UNKNOWN_ROUTE.code(), error.code());
                assertTrue(error.text().contains("unknown route 'push'"), error.text());
                // The MESSAGE gets nothing back: the next frame the client sends is the PONG to the PING after it.
                raw.write(RawPeer.frame(RawPeer.MESSAGE, 0, RawPeer.requestPayload("push", new byte[] {2})));
                raw.write(RawPeer.frame(RawPeer.PING, 0, ByteBuffer.allocate(8).putLong(0x5EED).array()));
                RawPeer.Frame pong = raw.read();
                assertEquals(RawPeer.PONG, pong.type(), () -> "got type " + pong.type());
                assertEquals(0x5EED, ByteBuffer.wrap(pong.payload()).getLong());
                // Both left the connection open.
                CompletableFuture<Message> answer = client.request("echo", "still open".getBytes());
                RawPeer.Frame request = raw.read();
                assertEquals(RawPeer.REQUEST, request.type());
                raw.write(RawPeer.frame(RawPeer.RESPONSE, request.requestId(), "yes".getBytes()));
                assertEquals("yes", answer.get(10, TimeUnit.SECONDS).bodyText());
                assertTrue(client.isOpen());
            }
        }
    }
}
