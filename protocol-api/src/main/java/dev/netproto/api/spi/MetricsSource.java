package dev.netproto.api.spi;

import dev.netproto.api.ErrorCode;

/**
 * A live view of one server's or client group's counters. The event loops write plain counters; reads from any
 * thread see recent, eventually consistent values. Reading is cheap but sums over loops, so poll it (for a
 * gauge or a scrape), do not call it per message.
 */
public interface MetricsSource {

    /**
     * Returns the scope that names whose counters these are, such as {@code server} or {@code client}.
     *
     * @return a short name, usable as a metric prefix or label
     */
    String scope();

    /**
     * Reads a counter or gauge.
     *
     * @param metric which one
     * @return its current value
     */
    long read(Metric metric);

    /**
     * Reads how many errors of one code were recorded, sent or received.
     *
     * @param code the error code
     * @return the count
     */
    long errors(ErrorCode code);
}
