/**
 * The {@code np} command.
 */
module dev.netproto.daemon {
    requires dev.netproto.api;
}
