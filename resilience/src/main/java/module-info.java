/**
 * Circuit breaker, retry and bulkhead around {@link dev.netproto.api.Client} calls. Arrives with its own issue;
 * until then this module only reserves its name and its place in the build.
 */
module dev.netproto.resilience {
    requires dev.netproto.api;
}
