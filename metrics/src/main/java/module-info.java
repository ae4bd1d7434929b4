/**
 * Publishes netproto's counters to Dropwizard Metrics, renders them as Prometheus text and serves health and
 * readiness. The providers arrive with the metrics issue; until then this module only reserves its name and its
 * place in the build.
 */
module dev.netproto.metrics {
    requires dev.netproto.api;
}
