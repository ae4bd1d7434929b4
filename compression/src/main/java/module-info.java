/**
 * Compression providers that need native code (LZ4 and Zstandard), in a module of their own so that the core
 * carries none. Being built with issue #7.
 */
module dev.netproto.compression {
    requires dev.netproto.api;
}
