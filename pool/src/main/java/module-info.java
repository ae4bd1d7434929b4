/**
 * Connection pooling and endpoint groups, offered through {@link dev.netproto.api.spi.PoolProvider}. The core
 * ships an {@code unpooled} provider; the pooling providers arrive with their own issue.
 */
module dev.netproto.pool {
    requires dev.netproto.api;
}
