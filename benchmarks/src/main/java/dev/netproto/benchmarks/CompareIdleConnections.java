package dev.netproto.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens idle connections for benchmarks/compare.sh's memory measurement: {@code --count N} blocking TCP connections
 * to {@code --target host:port}, each completing netproto's HELLO first when {@code --hello} is given (so that our
 * server holds a fully set-up connection), then prints {@code open N} and holds them, sending nothing, until
 * {@code --hold-seconds} pass or the process is killed.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.netproto.benchmarks.CompareIdleConnections
 * --target 127.0.0.1:7700 --count 2000 --hello --hold-seconds 60}.
 */
public final class CompareIdleConnections {

    private CompareIdleConnections() {
    }

    /**
     * Opens the connections, prints {@code open N}, holds them.
     *
     * @param args {@code --target host:port --count N [--hello] [--hold-seconds S]}
     * @throws IOException if a connection fails
     * @throws InterruptedException if interrupted while holding
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        String target = "127.0.0.1:7700";
        int count = 1000;
        boolean hello = false;
        long holdSeconds = 60;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = args[++i];
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--hello" -> hello = true;
                case "--hold-seconds" -> holdSeconds = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int colon = target.lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(target.substring(0, colon),
            Integer.parseInt(target.substring(colon + 1)));
        List<SocketChannel> channels = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open(address);
                channels.add(channel);
                if (hello) {
                    RawFrames.hello(channel);
                }
            }
            System.out.println("open " + channels.size());
            System.out.flush();
            Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds));
        } finally {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }
}
