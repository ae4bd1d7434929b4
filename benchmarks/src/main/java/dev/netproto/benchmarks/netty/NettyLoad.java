package dev.netproto.benchmarks.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The Netty baseline's load generator, the counterpart of {@code np bench}: opens {@code --connections} Netty NIO
 * connections to a {@link NettyEchoServer}, keeps {@code --depth} requests of {@code --size} body bytes in flight on
 * each (every response issues the next request), warms up, measures, then stops issuing and waits, for a bounded
 * time, for the requests still in flight. Prints the same line as {@code np bench}:
 * {@code msgs_per_sec=... p50_us=... p99_us=... p999_us=... max_us=... errors=...}.
 *
 * <p>Writes are batched as a tuned Netty client would: the requests issued while handling one read batch (the
 * responses that arrived together) are encoded into one pooled direct buffer, written and flushed once, in
 * {@code channelReadComplete}; so over TLS one batch is one {@code SslHandler} wrap. Buffers come from Netty's
 * pooled allocator ({@link PooledByteBufAllocator#DEFAULT}), direct.
 *
 * <p>A round trip is recorded when its response arrives within the measured window. Errors are responses of the
 * wrong length plus requests still unanswered at the end. Each connection records into its own {@link Histogram},
 * written only on the connection's event loop and read after the connection is idle or closed.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.netproto.benchmarks.netty.NettyLoad
 * --target 127.0.0.1:7800 --connections 16 --depth 16 --size 64 --seconds 5 --warmup 2}.
 */
public final class NettyLoad {
    private static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final long DRAIN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long CONNECT_TIMEOUT_MS = 10_000;
    private static final long BODY_SEED = 0x6e70_6265_6e63_6800L;
    private static final double NANOS_PER_MICRO = TimeUnit.MICROSECONDS.toNanos(1);

    private NettyLoad() {
    }

    /**
     * Runs one benchmark and prints its line.
     *
     * @param args {@code --target host:port --connections C --depth D --size S --seconds T --warmup W
     *             [--threads N] [--tls-ca PEM]} (TLS 1.3 with the JDK's engine when {@code --tls-ca} is given)
     * @throws InterruptedException if interrupted while waiting for the run
     */
    public static void main(String[] args) throws InterruptedException {
        String target = "127.0.0.1:7800";
        int connections = 1;
        int depth = 1;
        int size = 64;
        double seconds = 10;
        double warmup = 2;
        int threads = Runtime.getRuntime().availableProcessors();
        String tlsCa = null;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--target" -> target = value;
                case "--connections" -> connections = Integer.parseInt(value);
                case "--depth" -> depth = Integer.parseInt(value);
                case "--size" -> size = Integer.parseInt(value);
                case "--seconds" -> seconds = Double.parseDouble(value);
                case "--warmup" -> warmup = Double.parseDouble(value);
                case "--threads" -> threads = Integer.parseInt(value);
                case "--tls-ca" -> tlsCa = value;
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (connections < 1 || depth < 1 || size < 0 || size > NettyFrames.MAX_BODY || seconds <= 0 || warmup < 0
            || threads < 1) {
            usage("out of range: connections and depth >= 1, size 0.." + NettyFrames.MAX_BODY
                + ", seconds > 0, warmup >= 0");
        }
        byte[] body = new byte[size];
        new SplittableRandom(BODY_SEED).nextBytes(body);
        SslContext tls = tlsCa == null ? null : NettyFrames.clientTls(tlsCa);
        System.out.println(run(NettyFrames.parseAddress(target), connections, depth, body,
            (long) (warmup * 1e9), (long) (seconds * 1e9), threads, tls));
    }

    private static String run(InetSocketAddress target, int connections, int depth, byte[] body, long warmupNs,
                              long measuredNs, int threads, SslContext tls) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        CountDownLatch idle = new CountDownLatch(connections);
        List<Worker> workers = new ArrayList<>(connections);
        List<Channel> channels = new ArrayList<>(connections);
        try {
            Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT_MS);
            List<ChannelFuture> pending = new ArrayList<>(connections);
            for (int i = 0; i < connections; i++) {
                pending.add(bootstrap.handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (tls != null) {
                            channel.pipeline().addLast(tls.newHandler(channel.alloc(), target.getHostString(),
                                target.getPort()));
                        }
                        channel.pipeline().addLast(NettyFrames.decoder());
                    }
                }).connect(target));
            }
            for (ChannelFuture future : pending) {
                if (!future.await(CONNECT_TIMEOUT_MS + 5_000) || !future.isSuccess()) {
                    throw new IllegalStateException("cannot connect to " + target + ": "
                        + (future.cause() == null ? "timed out" : future.cause().toString()), future.cause());
                }
                channels.add(future.channel());
            }
            for (Channel channel : channels) {
                // Like np bench, which starts its clock once HELLO (after the TLS handshake) is done.
                SslHandler ssl = channel.pipeline().get(SslHandler.class);
                if (ssl != null && (!ssl.handshakeFuture().await(CONNECT_TIMEOUT_MS)
                    || !ssl.handshakeFuture().isSuccess())) {
                    throw new IllegalStateException("TLS handshake with " + target + " failed: "
                        + ssl.handshakeFuture().cause(), ssl.handshakeFuture().cause());
                }
            }
            long startNs = System.nanoTime();
            long measureStartNs = startNs + warmupNs;
            long measureEndNs = measureStartNs + measuredNs;
            for (Channel channel : channels) {
                Worker worker = new Worker(body, depth, measureStartNs, measureEndNs, idle);
                workers.add(worker);
                channel.pipeline().addLast(worker);
                channel.eventLoop().execute(worker::start);
            }
            if (!idle.await(Math.max(0, measureEndNs + DRAIN_TIMEOUT_NS - System.nanoTime()),
                TimeUnit.NANOSECONDS)) {
                System.err.println("NettyLoad: requests still in flight after the drain timeout; closing");
            }
        } finally {
            for (Channel channel : channels) {
                channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        Histogram merged = new Histogram(HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        long completed = 0;
        long errors = 0;
        for (Worker worker : workers) {
            merged.add(worker.histogram);
            completed += worker.completed;
            errors += worker.errors + worker.outstanding();
        }
        long msgsPerSec = Math.round(completed * (double) TimeUnit.SECONDS.toNanos(1) / measuredNs);
        return "msgs_per_sec=" + msgsPerSec + " p50_us=" + micros(merged, 50) + " p99_us=" + micros(merged, 99)
            + " p999_us=" + micros(merged, 99.9) + " max_us="
            + (merged.getTotalCount() == 0 ? 0 : Math.round(merged.getMaxValue() / NANOS_PER_MICRO))
            + " errors=" + errors;
    }

    private static long micros(Histogram histogram, double percentile) {
        if (histogram.getTotalCount() == 0) {
            return 0;
        }
        return Math.round(histogram.getValueAtPercentile(percentile) / NANOS_PER_MICRO);
    }

    private static void usage(String problem) {
        System.err.println("NettyLoad: " + problem + "; usage: --target host:port --connections C --depth D --size S"
            + " --seconds T --warmup W [--threads N]");
        System.exit(2);
    }

    /**
     * The requests of one connection. Every field is written only on the connection's event loop, and read by the
     * main thread after the connection is idle (the latch) or closed.
     */
    private static final class Worker extends ChannelInboundHandlerAdapter {
        final byte[] body;
        final int depth;
        final long measureStartNs;
        final long measureEndNs;
        final CountDownLatch idle;
        final Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        /** Send times of the requests in flight, oldest first: a ring of {@code depth} slots. */
        final long[] sentNs;
        int head;
        int inFlight;
        int nextId = 1;
        long completed;
        long errors;
        boolean stopped;
        ChannelHandlerContext ctx;
        /** Requests issued since the last flush, encoded back to back; null when none. */
        ByteBuf batch;

        Worker(byte[] body, int depth, long measureStartNs, long measureEndNs, CountDownLatch idle) {
            this.body = body;
            this.depth = depth;
            this.measureStartNs = measureStartNs;
            this.measureEndNs = measureEndNs;
            this.idle = idle;
            this.sentNs = new long[depth];
        }

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            this.ctx = context;
        }

        void start() {
            for (int i = 0; i < depth; i++) {
                issue(System.nanoTime());
            }
            writeBatch();
        }

        /** Adds one request to the batch unless the measured window is over; does not write. */
        void issue(long nowNs) {
            if (nowNs - measureEndNs >= 0) {
                stopIfIdle();
                return;
            }
            if (batch == null) {
                // Room for every request that can be issued before the next flush: at most depth are in flight.
                batch = ctx.alloc().directBuffer(depth * (NettyFrames.HEADER + body.length));
            }
            NettyFrames.writeHeader(batch, nextId, body.length);
            nextId = nextId == Integer.MAX_VALUE ? 1 : nextId + 1;
            batch.writeBytes(body);
            sentNs[(head + inFlight) % depth] = nowNs;
            inFlight++;
        }

        /** Writes and flushes the batch, if any: one write and one flush per read batch. */
        void writeBatch() {
            if (batch != null) {
                ByteBuf out = batch;
                batch = null;
                ctx.writeAndFlush(out, ctx.voidPromise());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            long nowNs = System.nanoTime();
            try {
                if (inFlight == 0) {
                    errors++;
                    return;
                }
                long sent = sentNs[head];
                head = (head + 1) % depth;
                inFlight--;
                if (frame.readableBytes() != NettyFrames.HEADER + body.length) {
                    errors++;
                } else if (nowNs - measureStartNs >= 0 && nowNs - measureEndNs < 0) {
                    histogram.recordValue(Math.min(nowNs - sent, HIGHEST_TRACKABLE_NS));
                    completed++;
                }
            } finally {
                frame.release();
            }
            issue(nowNs);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            writeBatch();
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            if (batch != null) {
                batch.release();
                batch = null;
            }
            stop();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            errors++;
            context.close();
        }

        void stopIfIdle() {
            if (inFlight == 0) {
                stop();
            }
        }

        void stop() {
            if (!stopped) {
                stopped = true;
                idle.countDown();
            }
        }

        long outstanding() {
            return inFlight;
        }
    }
}
