package dev.netproto.core;

import dev.netproto.api.ErrorCode;
import dev.netproto.api.spi.Metric;
import dev.netproto.api.spi.MetricsSource;

/** Sums the counters of a group's event loops, and reads their shared memory budget; safe from any thread. */
final class CoreMetrics implements MetricsSource {
    private final String scope;
    private final EventLoop[] loops;
    private final MemoryBudget budget;

    CoreMetrics(String scope, EventLoop[] loops, MemoryBudget budget) {
        this.scope = scope;
        this.loops = loops;
        this.budget = budget;
    }

    @Override
    public String scope() {
        return scope;
    }

    @Override
    public long read(Metric metric) {
        if (metric == Metric.MEMORY_RESERVED) {
            return budget.reserved();
        }
        if (metric == Metric.MEMORY_RESERVED_PEAK) {
            return budget.peak();
        }
        long sum = 0;
        for (EventLoop loop : loops) {
            sum += metric == Metric.TASKS_REJECTED ? loop.rejectedTasks() : loop.counters().read(metric.ordinal());
        }
        return sum;
    }

    @Override
    public long errors(ErrorCode code) {
        long sum = 0;
        for (EventLoop loop : loops) {
            sum += loop.counters().errors(code);
        }
        return sum;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(scope).append('{');
        for (Metric m : Metric.values()) {
            sb.append(m.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(read(m)).append(' ');
        }
        sb.setLength(sb.length() - 1);
        return sb.append('}').toString();
    }
}
