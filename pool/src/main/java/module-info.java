/**
 * Connection pooling and endpoint groups (issue #16). Empty for now: the pool SPI it will provide is not in
 * {@code dev.netproto.api.spi} yet; docs/ARCHITECTURE.md, "The pool SPI: agreed shape", says what it will be.
 */
module dev.netproto.pool {
    requires dev.netproto.api;
}
