/**
 * The {@code noise} security mechanism of netproto: the Noise Protocol Framework (revision 34) on the JDK's
 * cryptography, a handshake after HELLO and every frame sealed (docs/PROTOCOL.md section 8). It plugs into the
 * core through {@link dev.netproto.api.spi.SecurityProvider}, found with {@link java.util.ServiceLoader}, exactly as
 * a third party's mechanism would: the core has no Noise code.
 *
 * <p>It exports no package to applications, which configure it with {@code dev.netproto.api.Security#noise}. The
 * Noise primitives are exported, qualified, to the benchmarks only.
 */
// "module": the qualified export names dev.netproto.benchmarks, which is built after this module, so javac cannot
// find it here and would warn (failing -Werror).
@SuppressWarnings("module")
module dev.netproto.security.noise {
    requires dev.netproto.api;

    exports dev.netproto.security.noise to dev.netproto.benchmarks;

    provides dev.netproto.api.spi.SecurityProvider with dev.netproto.security.noise.NoiseSecurityProvider;
}
