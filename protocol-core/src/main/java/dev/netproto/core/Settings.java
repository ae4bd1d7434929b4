package dev.netproto.core;

import dev.netproto.api.ClientOptions;
import dev.netproto.api.ConnectionErrorListener;
import dev.netproto.api.ConnectionOptions;
import dev.netproto.api.NanoClock;
import dev.netproto.api.ServerConfig;
import dev.netproto.api.spi.CompressionLimits;
import dev.netproto.api.spi.CompressionProvider;
import dev.netproto.api.spi.SecurityMechanism;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every connection of one server (or one client) shares, with durations already in nanoseconds. Immutable
 * apart from {@link #openConnections}, which the acceptor and the connections update.
 *
 * @param routes             the handlers by route; empty for clients
 * @param blockingExecutor   runs blocking handlers; null when there are none
 * @param errorListener      told about connections that end with an error; null for none
 * @param securityName       the name of the security mechanism this side requires
 * @param security           that mechanism, prepared by its provider for this server or client
 * @param maxFrameLength     the largest payload this side accepts: a server's configured maximum, lowered to what
 *                           its memory budget can ever buffer ({@link MemoryBudget#maxFramePayload()})
 * @param clock              time source of every timeout and heartbeat
 * @param connectTimeoutNs   clients: how long the transport connect may take; 0 for servers
 * @param handshakeTimeoutNs how long HELLO may take; 0 for no limit
 * @param idleTimeoutNs      close after this long without a complete frame; 0 for no limit
 * @param frameTimeoutNs     close when a frame started this long ago (plus its length's allowance) is still
 *                           incomplete; 0 for no limit
 * @param writeTimeoutNs     close after queued output made no progress this long; 0 for no limit
 * @param heartbeatNs        PING after this long without a frame; 0 for no heartbeats
 * @param missedHeartbeats   intervals without a frame before the peer is dead
 * @param lowWatermark       resume under this many queued bytes
 * @param highWatermark      pause above this many queued bytes
 * @param maxInFlight        in-flight request limit
 * @param requestTimeoutNs   clients: how long a request waits for its answer; 0 for no limit
 * @param maxConnections     servers: the connection limit; 0 for clients
 * @param openConnections    servers: connections open now, across loops; null for clients
 * @param compressors        available compression providers, in preference order; empty for none
 * @param compressMinLength  bodies shorter than this are never compressed
 * @param maxCompressionRatio a compressed body may claim at most this many times its compressed length
 * @param hello              the HELLO rules with this side's values
 * @param idleSpinNs         how long a loop carrying these connections polls before it blocks; 0 for not at all
 * @param pendingShare       servers: connections each loop lets wait for HELLO at once; 0 for clients
 * @param sourceLimits       servers: the per-source limits the acceptor applies; null for clients
 * @param liveness           the timeout and heartbeat rules built from the durations above, shared
 * @param flow               the backpressure rules built from the watermarks and write timeout above, shared
 * @param errorLog           the rate-limited WARN log of connections that end with an error, shared
 * @param memory             servers: the direct-memory budget of their loops' pools; null for clients (unlimited)
 */
record Settings(RouteTable routes, Executor blockingExecutor, ConnectionErrorListener errorListener,
                String securityName, SecurityMechanism security, int maxFrameLength, NanoClock clock,
                long connectTimeoutNs, long handshakeTimeoutNs, long idleTimeoutNs, long frameTimeoutNs,
                long writeTimeoutNs,
                long heartbeatNs, int missedHeartbeats, int lowWatermark, int highWatermark, int maxInFlight,
                long requestTimeoutNs,
                int maxConnections, AtomicInteger openConnections, CompressionProvider[] compressors,
                int compressMinLength, int maxCompressionRatio, HelloNegotiator hello, long idleSpinNs,
                int pendingShare, SourceLimits sourceLimits, Liveness liveness, FlowControl flow, ErrorLog errorLog,
                MemoryBudget memory) {

    /** The rules derived from the durations and limits, built once: each connection refers to them. */
    Settings {
        liveness = new Liveness(connectTimeoutNs, handshakeTimeoutNs, idleTimeoutNs, frameTimeoutNs, heartbeatNs,
            missedHeartbeats);
        flow = new FlowControl(lowWatermark, highWatermark, writeTimeoutNs);
        errorLog = new ErrorLog(clock::nanoTime);
    }

    static Settings forServer(ServerConfig config, SecurityMechanism security, RouteTable routes,
                              Executor blockingExecutor, CompressionProvider[] compressors, MemoryBudget memory) {
        ConnectionOptions c = config.connection();
        int maxFrameLength = Math.min(config.maxFrameLength(), memory.maxFramePayload());
        return new Settings(routes, blockingExecutor, config.errorListener(), config.security().name(), security,
            maxFrameLength, config.clock(), 0, c.handshakeTimeout().toNanos(), c.idleTimeout().toNanos(),
            c.frameTimeout().toNanos(), c.writeTimeout().toNanos(), c.heartbeatInterval().toNanos(),
            c.missedHeartbeats(), c.writeBufferLowWatermark(), c.writeBufferHighWatermark(), c.maxInFlightRequests(), 0,
            config.maxConnections(), new AtomicInteger(), compressors, Compressibility.MIN_LENGTH_DEFAULT,
            CompressionLimits.MAX_RATIO_DEFAULT,
            new HelloNegotiator(maxFrameLength, config.security().name(), compressors),
            config.idleSpin().toNanos(),
            (config.admission().maxPendingConnections() + config.eventLoops() - 1) / config.eventLoops(),
            new SourceLimits(config.admission()), null, null, null, memory);
    }

    static Settings forClient(ClientOptions options, SecurityMechanism security, CompressionProvider[] compressors) {
        ConnectionOptions c = options.connection();
        return new Settings(RouteTable.EMPTY, null, null, options.security().name(), security,
            options.maxFrameLength(),
            options.clock(), options.connectTimeout().toNanos(), c.handshakeTimeout().toNanos(),
            c.idleTimeout().toNanos(), c.frameTimeout().toNanos(), c.writeTimeout().toNanos(),
            c.heartbeatInterval().toNanos(),
            c.missedHeartbeats(), c.writeBufferLowWatermark(), c.writeBufferHighWatermark(),
            c.maxInFlightRequests(), options.requestTimeout().toNanos(), 0, null, compressors,
            Compressibility.MIN_LENGTH_DEFAULT, CompressionLimits.MAX_RATIO_DEFAULT,
            new HelloNegotiator(options.maxFrameLength(), options.security().name(), compressors),
            options.idleSpin().toNanos(), 0, null, null, null, null, null);
    }
}
