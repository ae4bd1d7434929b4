/**
 * The netproto engine: selector-based event loops, the framing codec of docs/PROTOCOL.md, connections as stages
 * (frame reader and writer, HELLO, security, dispatch, liveness, flow control), and the default providers
 * ({@code none} security, {@code noop} metrics, {@code deflate} compression). Other security mechanisms, such as
 * {@code tls} in the {@code transport-tls} module and {@code noise} in {@code security-noise}, plug in through
 * {@link dev.netproto.api.spi.SecurityProvider}.
 *
 * <p>It exports no package to applications, which use {@code dev.netproto.api} and find this engine through
 * {@link dev.netproto.api.spi.EngineProvider}. One package is exported, qualified, to the benchmarks only:
 * {@code dev.netproto.core} (for the frame codec, the route table and the compressibility check; its other
 * public types are the providers).
 * Transports are found with {@link java.util.ServiceLoader}, by URI scheme.
 */
// "module": the qualified exports below name dev.netproto.benchmarks, which is built after this module, so javac
// cannot find it here and would warn (failing -Werror).
@SuppressWarnings("module")
module dev.netproto.core {
    requires dev.netproto.api;
    // The JVM's direct-memory limit (-XX:MaxDirectMemorySize), from which a server's default memory budget follows:
    // com.sun.management.HotSpotDiagnosticMXBean is the only supported way to read it.
    requires jdk.management;
    requires org.jctools.core;
    requires org.slf4j;

    exports dev.netproto.core to dev.netproto.benchmarks;

    uses dev.netproto.api.spi.TransportProvider;
    uses dev.netproto.api.spi.SecurityProvider;
    uses dev.netproto.api.spi.CompressionProvider;
    uses dev.netproto.api.spi.MetricsProvider;

    provides dev.netproto.api.spi.EngineProvider with dev.netproto.core.CoreEngine;
    provides dev.netproto.api.spi.SecurityProvider with dev.netproto.core.NoneSecurityProvider;
    provides dev.netproto.api.spi.MetricsProvider with dev.netproto.core.NoopMetricsProvider;
    provides dev.netproto.api.spi.CompressionProvider with dev.netproto.core.DeflateCompressionProvider;
}
