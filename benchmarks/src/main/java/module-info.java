/**
 * JMH benchmarks of netproto. Built as a shaded jar whose main class is JMH's; see docs/PERFORMANCE.md.
 */
module dev.netproto.benchmarks {
    requires dev.netproto.api;
    requires dev.netproto.core;
    requires dev.netproto.security.noise;
    requires dev.netproto.transport.tls;
    requires jdk.management;
    requires jmh.core;
    requires org.jctools.core;
    requires HdrHistogram;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.handler;

    uses dev.netproto.api.spi.CompressionProvider;

    exports dev.netproto.benchmarks;
}
