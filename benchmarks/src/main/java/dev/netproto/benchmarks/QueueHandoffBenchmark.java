package dev.netproto.benchmarks;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Task hand-off from producer threads to one consumer thread, the way other threads reach an event loop
 * ({@code EventLoop.execute}): producers {@code offer} a {@link Runnable}, the consumer polls it and runs it. Queues:
 *
 * <ul>
 *   <li>{@code MpscAtomicArrayQueue}: what {@code EventLoop} uses (JCTools, no {@code Unsafe}); the consumer uses
 *       {@code relaxedPoll}, as the loop does.</li>
 *   <li>{@code MpscArrayQueue}: the same algorithm on {@code sun.misc.Unsafe}; also {@code relaxedPoll}.</li>
 *   <li>{@code ArrayBlockingQueue}: the JDK's bounded queue, one lock; non-blocking {@code offer} and
 *       {@code poll}.</li>
 *   <li>{@code ConcurrentLinkedQueue}: the JDK's lock-free queue. It is unbounded and allocates a node per offer,
 *       so it cannot refuse work, which the loop requires (STYLE.md, hot-path rule 4); it is here as the
 *       reference point most code would reach for.</li>
 * </ul>
 *
 * <p>Groups: {@code oneProducer} (one {@code offer} thread, one {@code poll} thread) and {@code twoProducers} (two
 * and one). No thread backs off. The figure to read is the consumer's {@code pollsMade}: tasks handed over per
 * second. JMH's total for the group adds up every call on both sides, failed ones included, and means nothing.
 * {@code offersFailed} counts offers refused by a full queue, {@code pollsFailed} polls that found it empty.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar QueueHandoffBenchmark}. Each group needs a core per
 * thread: on a 2-core machine {@code twoProducers} measures time-slicing as much as the queues.
 */
@State(Scope.Group)
public class QueueHandoffBenchmark extends AbstractBenchmark {
    /** The capacity of a bounded queue: {@code EventLoop.TASK_QUEUE_CAPACITY}. */
    static final int CAPACITY = 64 * 1024;

    /** The task handed over; running it does nothing, so the figure is the queue's cost. */
    static final Runnable TASK = () -> { };

    /** The queue under test. */
    @Param({"MpscAtomicArrayQueue", "MpscArrayQueue", "ArrayBlockingQueue", "ConcurrentLinkedQueue"})
    public String queue;

    private Queue<Runnable> tasks;
    /** The same queue when it is a JCTools one, polled with {@code relaxedPoll} like the loop; otherwise null. */
    private MessagePassingQueue<Runnable> relaxed;

    /** Creates the benchmark state; JMH calls this once per group. */
    public QueueHandoffBenchmark() {
    }

    /** Creates the group's queue. */
    @Setup(Level.Trial)
    public void setUp() {
        relaxed = null;
        switch (queue) {
            case "MpscAtomicArrayQueue" -> jctools(new MpscAtomicArrayQueue<>(CAPACITY));
            case "MpscArrayQueue" -> jctools(new MpscArrayQueue<>(CAPACITY));
            case "ArrayBlockingQueue" -> tasks = new ArrayBlockingQueue<>(CAPACITY);
            case "ConcurrentLinkedQueue" -> tasks = new ConcurrentLinkedQueue<>();
            default -> throw new IllegalArgumentException("unknown queue " + queue);
        }
    }

    private <Q extends Queue<Runnable> & MessagePassingQueue<Runnable>> void jctools(Q q) {
        tasks = q;
        relaxed = q;
    }

    /** Producer-side counts of one thread, per iteration, reported as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class OfferCounters {
        /** Offers refused because the queue was full. */
        public long offersFailed;
        /** Offers accepted. */
        public long offersMade;

        /** Creates the counters; JMH calls this. */
        public OfferCounters() {
        }

        /** Starts each iteration from zero. */
        @Setup(Level.Iteration)
        public void clear() {
            offersFailed = 0;
            offersMade = 0;
        }
    }

    /** Consumer-side counts, per iteration, reported as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class PollCounters {
        /** Polls that found the queue empty. */
        public long pollsFailed;
        /** Tasks taken and run: the hand-off rate. */
        public long pollsMade;

        /** Creates the counters; JMH calls this. */
        public PollCounters() {
        }

        /** Starts each iteration from zero. */
        @Setup(Level.Iteration)
        public void clear() {
            pollsFailed = 0;
            pollsMade = 0;
        }

        /**
         * Empties the queue after each iteration, so that an unbounded queue does not carry a backlog into the
         * next one. Only the consumer thread polls, as the queues' single-consumer contract requires.
         *
         * @param b the group's queue
         */
        @TearDown(Level.Iteration)
        public void drain(QueueHandoffBenchmark b) {
            Runnable discarded;
            do {
                discarded = b.poll();
            } while (discarded != null);
        }
    }

    private Runnable poll() {
        MessagePassingQueue<Runnable> q = relaxed;
        return q != null ? q.relaxedPoll() : tasks.poll();
    }

    private void offer(OfferCounters c) {
        if (tasks.offer(TASK)) {
            c.offersMade++;
        } else {
            c.offersFailed++;
        }
    }

    private void take(PollCounters c) {
        Runnable task = poll();
        if (task == null) {
            c.pollsFailed++;
        } else {
            task.run();
            c.pollsMade++;
        }
    }

    /**
     * Offers one task; the single producer of {@code oneProducer}.
     *
     * @param c this thread's counters
     */
    @Benchmark
    @Group("oneProducer")
    @GroupThreads(1)
    public void offer1(OfferCounters c) {
        offer(c);
    }

    /**
     * Takes and runs one task, if any; the consumer of {@code oneProducer}.
     *
     * @param c this thread's counters
     */
    @Benchmark
    @Group("oneProducer")
    @GroupThreads(1)
    public void poll1(PollCounters c) {
        take(c);
    }

    /**
     * Offers one task; each of the two producers of {@code twoProducers}.
     *
     * @param c this thread's counters
     */
    @Benchmark
    @Group("twoProducers")
    @GroupThreads(2)
    public void offer2(OfferCounters c) {
        offer(c);
    }

    /**
     * Takes and runs one task, if any; the consumer of {@code twoProducers}.
     *
     * @param c this thread's counters
     */
    @Benchmark
    @Group("twoProducers")
    @GroupThreads(1)
    public void poll2(PollCounters c) {
        take(c);
    }
}
