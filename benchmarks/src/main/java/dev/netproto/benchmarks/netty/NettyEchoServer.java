package dev.netproto.benchmarks.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;

/**
 * The Netty baseline's server: Netty's NIO transport, one event-loop group of as many threads as there are
 * processors (like {@code np serve}'s default), which both accepts and serves. Each connection cuts its stream into
 * {@link NettyFrames} and writes every frame back unchanged, flushing once per read batch (over TLS,
 * {@code SslHandler} then wraps the frames of that batch together, up to 16 KiB a record). Buffers come from Netty's
 * pooled allocator ({@link PooledByteBufAllocator#DEFAULT}), direct by default.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.netproto.benchmarks.netty.NettyEchoServer
 * --listen 127.0.0.1:7800}. Prints {@code listening on HOST:PORT} once bound, then runs until killed.
 */
public final class NettyEchoServer {

    private NettyEchoServer() {
    }

    /**
     * Binds and serves until the process is killed.
     *
     * @param args {@code --listen host:port} (default {@code 127.0.0.1:7800}), optionally {@code --threads N}
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        String listen = "127.0.0.1:7800";
        String tlsCert = null;
        String tlsKey = null;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--listen" -> listen = require(args[i], value);
                case "--threads" -> threads = Integer.parseInt(require(args[i], value));
                case "--tls-cert" -> tlsCert = require(args[i], value);
                case "--tls-key" -> tlsKey = require(args[i], value);
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        InetSocketAddress address = NettyFrames.parseAddress(listen);
        SslContext tls = tlsCert == null ? null : NettyFrames.serverTls(tlsCert, tlsKey);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (tls != null) {
                            channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(NettyFrames.decoder(), new Echo());
                    }
                });
            Channel server = bootstrap.bind(address).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) server.localAddress();
            System.out.println("listening on " + bound.getHostString() + ":" + bound.getPort());
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    private static String require(String flag, String value) {
        if (value == null) {
            usage(flag + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("NettyEchoServer: " + problem + "; usage: --listen host:port [--threads N] "
            + "[--tls-cert PEM --tls-key PEM]");
        System.exit(2);
    }

    /**
     * Writes each decoded frame back; flushes once per read batch. Stateless, but one per channel: marking it
     * {@code @Sharable} would trip the build's annotation-processing lint (JMH's processor does not claim it).
     */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
