/**
 * The {@code unix://} transport: Unix domain sockets through the JDK's {@link java.net.UnixDomainSocketAddress},
 * on the same selector-based event loops as TCP. The provider arrives with the transports issue (#5); until then
 * this module only reserves its name and its place in the build.
 */
module dev.netproto.transport.local {
    requires dev.netproto.api;
}
