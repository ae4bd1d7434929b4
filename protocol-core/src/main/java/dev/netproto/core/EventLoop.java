package dev.netproto.core;

import dev.netproto.api.OverloadedException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that owns one {@link Selector} and every connection registered with it.
 *
 * <p><b>Single writer.</b> Everything here except {@link #tasks}, {@link #wakeupNeeded}, {@link #rejected} and the
 * shutdown flags is read and written only by the loop's thread. Other threads reach the loop only through
 * {@link #execute(Runnable)}, which offers to a bounded JCTools MPSC queue; a full queue is counted and refused with
 * {@link OverloadedException}, never ignored.
 *
 * <p><b>Wake-ups.</b> The loop sets {@link #wakeupNeeded} just before it may block in {@code select} and re-checks
 * the queue after that store; a producer wakes the selector only if it wins the flag back (one syscall per idle
 * period, not per task). Both sides use volatile accesses, so either the loop sees the task in its re-check or the
 * producer sees the flag.
 *
 * <p><b>Idle spin (opt-in).</b> When the loop has nothing to do and carries a connection whose settings ask for it
 * ({@link Settings#idleSpinNs()}, from {@code ServerBuilder.idleSpin} or {@code ClientOptions.idleSpin}), it first
 * polls with {@code selectNow} and checks the task queue, with {@link Thread#onSpinWait()} between polls, for at most
 * the longest spin its connections ask for, and only then blocks as above. {@link #wakeupNeeded} stays false while
 * it spins, so producers skip the {@code wakeup()} syscall and the loop sees their task at its next poll. Shared
 * client loops thereby spin only while they carry a client that asked for it.
 *
 * <p><b>Each cycle:</b> select (consumer form, no selected-key set), run up to {@link #MAX_TASKS_PER_CYCLE} tasks,
 * run expired timers, then flush every connection that queued output during the cycle, so frames produced together
 * leave in one gathering write.
 */
final class EventLoop implements Executor {
    /** Something registered with the selector. Called on the loop thread. */
    interface Selectable {
        /**
         * Handles readiness.
         *
         * @param key the selected key
         * @throws IOException on a channel failure; the loop then calls {@link #onFailure(Throwable)}
         */
        void onSelected(SelectionKey key) throws IOException;

        /**
         * Handles a failure thrown by {@link #onSelected(SelectionKey)}: close the channel and report.
         *
         * @param failure what was thrown
         */
        void onFailure(Throwable failure);
    }

    /** Capacity of the task queue; a full queue refuses work rather than buffering without bound. */
    static final int TASK_QUEUE_CAPACITY = 64 * 1024;
    /** Tasks run per cycle at most, so that I/O is not starved by a flood of tasks. */
    static final int MAX_TASKS_PER_CYCLE = 4096;
    /** The read buffer shared by the loop's connections; frames that fit are parsed in place. */
    static final int READ_BUFFER_SIZE = 64 * 1024;
    /**
     * How often the loop checks its connections' timeouts and heartbeats, in real time. A scan of every connection
     * is a few comparisons each, allocates nothing, and needs no timer object per connection (its cost at 10,000
     * connections is not measured yet); timeouts fire up to one tick late. Each connection reads its own (possibly
     * injected) clock.
     */
    static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Back-off after an unexpected failure of the loop itself, so that a persistent fault does not spin. */
    static final long LOOP_FAILURE_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    private static final VarHandle WAKEUP_NEEDED;

    static {
        try {
            WAKEUP_NEEDED = MethodHandles.lookup().findVarHandle(EventLoop.class, "wakeupNeeded", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Thread thread;
    private final Selector selector;
    private final MpscAtomicArrayQueue<Runnable> tasks = new MpscAtomicArrayQueue<>(TASK_QUEUE_CAPACITY);
    private final AtomicLong rejected = new AtomicLong();
    private final Consumer<SelectionKey> onKey = this::onKey;
    private final LoopCounters counters = new LoopCounters();
    private final BufferPool pool;
    private final PooledBuffer readBuffer = new PooledBuffer(READ_BUFFER_SIZE, -1);
    private final Compressibility compressibility = new Compressibility();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final LongSupplier nanoClock;
    /** Runs on the loop's thread as it ends: frees per-thread state of providers (native compression contexts). */
    private final Runnable onThreadExit;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final List<AutoCloseable> closeOnShutdown = new ArrayList<>();

    private volatile boolean wakeupNeeded;
    private volatile boolean shuttingDown;
    private volatile boolean isTerminated;
    private volatile long shutdownDeadlineNs;


    private Connection[] dirty = new Connection[64];
    private int dirtyCount;
    private Connection[] connections = new Connection[64];
    /** Server connections not yet open, oldest first, and ones that left since but are not at the front yet. */
    private final java.util.ArrayDeque<Connection> awaitingOpen = new java.util.ArrayDeque<>();
    private int awaitingOpenCount;
    private int connectionCount;
    private Throwable terminationFailure;
    private long nextTickNs;
    /** The longest idle spin asked for by the connections on this loop; 0 for none. */
    private long idleSpinNs;
    /** How many connections on this loop ask for exactly {@link #idleSpinNs}. */
    private int idleSpinHolders;
    /** How many connections on this loop stopped reading for memory; the tick looks for them only while any do. */
    private int memoryPaused;

    /**
     * @param budget the direct memory this loop's pool shares with the other loops of its server (or clients)
     */
    EventLoop(String name, boolean daemon, LongSupplier nanoClock, Runnable onThreadExit, MemoryBudget budget) {
        this.name = name;
        this.pool = new BufferPool(counters, budget);
        // The read buffer is direct memory too: counted, never refused (the loop cannot work without it).
        budget.forceReserve(READ_BUFFER_SIZE);
        this.nanoClock = nanoClock;
        this.onThreadExit = onThreadExit;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new dev.netproto.api.NetprotoException("cannot open a selector for " + name, e);
        }
        this.thread = new Thread(this::run, name);
        thread.setDaemon(daemon);
    }

    void start() {
        thread.start();
    }

    String name() {
        return name;
    }

    LoopCounters counters() {
        return counters;
    }

    BufferPool pool() {
        return pool;
    }

    PooledBuffer readBuffer() {
        return readBuffer;
    }

    /** The loop's compressibility estimator; not thread-safe, so one per loop. Loop thread only. */
    Compressibility compressibility() {
        return compressibility;
    }

    long rejectedTasks() {
        return rejected.get();
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    boolean isTerminated() {
        return isTerminated;
    }

    /**
     * Runs a task on the loop. May be called from any thread, including the loop's own.
     *
     * @param task the task
     * @throws OverloadedException if the task queue is full or the loop has stopped
     */
    @Override
    public void execute(Runnable task) {
        if (isTerminated) {
            throw new OverloadedException("event loop " + name + " has stopped");
        }
        if (!tasks.offer(task)) {
            rejected.incrementAndGet();
            throw new OverloadedException("event loop " + name + " task queue is full (" + TASK_QUEUE_CAPACITY
                + " tasks)");
        }
        if (wakeupNeeded && WAKEUP_NEEDED.compareAndSet(this, true, false)) {
            selector.wakeup();
        }
    }

    /**
     * Registers a channel with this loop's selector. Loop thread only.
     *
     * @param channel    a non-blocking channel
     * @param ops        the initial interest set
     * @param attachment handles the key's readiness
     * @return the key
     * @throws IOException if the channel is closed
     */
    SelectionKey register(SelectableChannel channel, int ops, Selectable attachment) throws IOException {
        return channel.register(selector, ops, attachment);
    }

    /** Closes the resource when the loop shuts down, before its connections. Loop thread only. */
    void closeOnShutdown(AutoCloseable resource) {
        closeOnShutdown.add(resource);
    }

    /**
     * Counts an accepted connection in this loop's share of connections not yet open (HELLO and the security
     * handshake not finished). When the share is full, returns the one that has waited longest, for the caller to
     * close: it no longer counts. Loop thread only.
     *
     * @param c     the new connection
     * @param share how many may wait at once on this loop
     * @return the connection displaced, or null
     */
    Connection awaitOpen(Connection c, int share) {
        Connection displaced = null;
        if (awaitingOpenCount >= share) {
            dropLeavers();
            displaced = awaitingOpen.pollFirst();
            if (displaced != null) {
                displaced.awaitingOpen = false;
                awaitingOpenCount--;
            }
        }
        if (awaitingOpen.size() > 2 * share + 64) {
            // The oldest is still waiting (no handshake timeout, say) while many behind it left: drop those now,
            // so that the queue never holds more than about twice the share (each sweep removes at least 64).
            awaitingOpen.removeIf(q -> !q.awaitingOpen);
        }
        c.awaitingOpen = true;
        awaitingOpen.addLast(c);
        awaitingOpenCount++;
        return displaced;
    }

    /**
     * A connection counted by {@link #awaitOpen} opened or closed. It stays in the queue until it reaches the front
     * (or the next sweep of {@link #awaitOpen}), so that leaving costs nothing.
     */
    void openedOrClosed() {
        awaitingOpenCount--;
        dropLeavers();
    }

    /** Connections not yet open on this loop; for tests and metrics. */
    int awaitingOpenCount() {
        return awaitingOpenCount;
    }

    private void dropLeavers() {
        Connection first = awaitingOpen.peekFirst();
        while (first != null && !first.awaitingOpen) {
            awaitingOpen.pollFirst();
            first = awaitingOpen.peekFirst();
        }
    }

    void addConnection(Connection c) {
        if (connectionCount == connections.length) {
            connections = java.util.Arrays.copyOf(connections, connectionCount * 2);
        }
        c.loopIndex = connectionCount;
        connections[connectionCount++] = c;
        long spin = c.idleSpinNs();
        if (spin > idleSpinNs) {
            idleSpinNs = spin;
            idleSpinHolders = 1;
        } else if (spin > 0 && spin == idleSpinNs) {
            idleSpinHolders++;
        }
    }

    void removeConnection(Connection c) {
        int i = c.loopIndex;
        if (i < 0 || i >= connectionCount || connections[i] != c) {
            return;
        }
        Connection last = connections[--connectionCount];
        connections[i] = last;
        last.loopIndex = i;
        connections[connectionCount] = null;
        c.loopIndex = -1;
        long spin = c.idleSpinNs();
        if (spin > 0 && spin == idleSpinNs && --idleSpinHolders == 0) {
            recomputeIdleSpin();
        }
    }

    /**
     * Runs only when the last connection asking for the longest spin leaves: all connections of one server ask for
     * the same spin, so closing many of them does not rescan the array each time.
     */
    private void recomputeIdleSpin() {
        long max = 0;
        int holders = 0;
        for (int i = 0; i < connectionCount; i++) {
            long spin = connections[i].idleSpinNs();
            if (spin > max) {
                max = spin;
                holders = 1;
            } else if (spin > 0 && spin == max) {
                holders++;
            }
        }
        idleSpinNs = max;
        idleSpinHolders = holders;
    }

    int connectionCount() {
        return connectionCount;
    }

    /** Queues a connection for the end-of-cycle flush. Loop thread only. */
    void markDirty(Connection c) {
        if (dirtyCount == dirty.length) {
            dirty = java.util.Arrays.copyOf(dirty, dirtyCount * 2);
        }
        dirty[dirtyCount++] = c;
    }

    /**
     * Runs a task after a delay. Loop thread only; for cold paths (timeouts, lingering close).
     *
     * @param delayNs the delay
     * @param task    the task
     * @return a handle to cancel it
     */
    Timer schedule(long delayNs, Runnable task) {
        Timer t = new Timer(nanoTime() + delayNs, task);
        timers.add(t);
        return t;
    }

    /**
     * Starts an orderly stop: closes what was registered for shutdown (listeners), asks every connection to close
     * gracefully, and stops the thread when none is left or the grace period ends. May be called from any thread.
     *
     * @param graceNs how long connections get to close before they are closed abruptly
     */
    void shutdownGracefully(long graceNs) {
        shutdownDeadlineNs = nanoTime() + graceNs;
        shuttingDown = true;
        try {
            execute(this::beginShutdown);
        } catch (OverloadedException e) {
            // The flag alone stops the loop at its next cycle; wake it so that the cycle comes.
            selector.wakeup();
        }
    }

    /**
     * Waits for the thread to end.
     *
     * @param timeoutNs how long to wait
     * @return whether it ended
     */
    boolean awaitTermination(long timeoutNs) {
        try {
            return terminated.await(timeoutNs, TimeUnit.NANOSECONDS);
        } catch (InterruptedException ignore) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The failure that ended the loop's cleanup (such as a buffer leak), or null. */
    Throwable terminationFailure() {
        return terminationFailure;
    }

    private void beginShutdown() {
        closeRegistered();
        for (int i = connectionCount - 1; i >= 0; i--) {
            if (i < connectionCount) {
                connections[i].goAway();
            }
        }
    }

    private void closeRegistered() {
        for (AutoCloseable c : closeOnShutdown) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("{}: closing {} failed", name, c, e);
            }
        }
        closeOnShutdown.clear();
    }

    private void run() {
        try {
            while (!(shuttingDown && (connectionCount == 0 || nanoTime() - shutdownDeadlineNs >= 0))) {
                try {
                    runCycle();
                } catch (Throwable t) {
                    LOG.error("{}: unexpected failure of the event loop; continuing after back-off", name, t);
                    LockSupport.parkNanos(LOOP_FAILURE_BACKOFF_NS);
                }
            }
        } finally {
            terminate();
        }
    }

    private void runCycle() throws IOException {
        if (!tasks.isEmpty() || dirtyCount > 0) {
            selector.selectNow(onKey);
        } else if (idleSpinNs == 0 || shuttingDown || !spinUntilWork()) {
            long timeoutMs = selectTimeoutMs();
            wakeupNeeded = true;
            if (tasks.isEmpty()) {
                selector.select(onKey, timeoutMs);
            } else {
                selector.selectNow(onKey);
            }
            wakeupNeeded = false;
        }
        runTasks();
        runTimers();
        if (connectionCount > 0 && nanoTime() - nextTickNs >= 0) {
            nextTickNs = nanoTime() + TICK_NS;
            tick();
        }
        flushDirty();
    }

    /**
     * Polls the selector and the task queue for at most {@link #idleSpinNs}. Allocates nothing: the consumer form
     * of {@code selectNow} and a bounded queue's emptiness check. Timers and the tick may run up to one spin late.
     *
     * @return whether work turned up (keys were handled or a task is queued); false when the spin ran out
     */
    private boolean spinUntilWork() throws IOException {
        long deadline = System.nanoTime() + idleSpinNs;
        do {
            if (selector.selectNow(onKey) > 0 || !tasks.isEmpty()) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return false;
    }

    /** A connection stopped ({@code +1}) or resumed ({@code -1}) reading for memory. Loop thread. */
    void memoryPauses(int delta) {
        memoryPaused += delta;
    }

    /**
     * Once a tick, the loop's part of keeping the server within its memory budget (see {@link MemoryBudget}). Above
     * the high-water mark it drops its pool's idle large buffers and stops reading from the connections that hold
     * the most: those holding at least a 64th of the budget (at least two outbound segments), or, once the budget is
     * used up, every connection holding any buffer. Under the low-water mark it resumes them; a connection whose
     * frame did not fit resumes as soon as the budget grants its buffer. Cold path: it walks the connections only
     * while the budget is under pressure or some connection is paused.
     */
    private void checkMemory() {
        MemoryBudget budget = pool.budget();
        if (!budget.isLimited() && memoryPaused == 0) {
            return;
        }
        long reserved = budget.reserved();
        if (budget.isLimited() && reserved > budget.highWaterBytes()) {
            pool.dropLargeFree();
            long threshold = budget.reserved() > budget.limitBytes() ? 1
                : Math.max(2L * MemoryBudget.SMALL_BYTES, budget.limitBytes() / 64);
            for (int i = connectionCount - 1; i >= 0; i--) {
                Connection c = connections[i];
                if (!c.memoryPaused() && c.heldBytes() >= threshold) {
                    c.pauseForMemory();
                }
            }
        } else if (memoryPaused > 0) {
            // Without a limit, a pause came from the JVM running out of direct memory: retry each tick.
            boolean low = !budget.isLimited() || reserved < budget.lowWaterBytes();
            for (int i = connectionCount - 1; i >= 0; i--) {
                Connection c = connections[i];
                if (c.memoryPaused() && (low || c.spillShort())) {
                    c.resumeAfterMemory();
                }
            }
        }
    }

    private void tick() {
        try {
            checkMemory();
        } catch (RuntimeException e) {
            LOG.error("{}: checking the memory budget failed", name, e);
        }
        for (int i = connectionCount - 1; i >= 0; i--) {
            if (i >= connectionCount) {
                continue;
            }
            Connection c = connections[i];
            try {
                c.onTick();
            } catch (RuntimeException e) {
                c.onFailure(e);
            }
        }
    }

    /** Milliseconds until the next timer (at least 1), or 0 to block until woken. */
    private long selectTimeoutMs() {
        long until;
        if (shuttingDown) {
            until = Math.min(TimeUnit.MILLISECONDS.toNanos(10), shutdownDeadlineNs - nanoTime());
        } else {
            Timer next = timers.peek();
            if (next == null && connectionCount == 0) {
                return 0;
            }
            until = next == null ? Long.MAX_VALUE : next.deadlineNs - nanoTime();
            if (connectionCount > 0) {
                until = Math.min(until, nextTickNs - nanoTime());
            }
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(until + 999_999));
    }

    private void onKey(SelectionKey key) {
        Selectable s = (Selectable) key.attachment();
        try {
            s.onSelected(key);
        } catch (Throwable t) {
            s.onFailure(t);
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_CYCLE; i++) {
            Runnable task = tasks.relaxedPoll();
            if (task == null) {
                return;
            }
            runTask(task);
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (Exception e) {
            LOG.error("{}: task {} failed", name, task, e);
        }
    }

    private void runTimers() {
        Timer t;
        while ((t = timers.peek()) != null && nanoTime() - t.deadlineNs >= 0) {
            timers.poll();
            if (!t.cancelled) {
                runTask(t.task);
            }
        }
    }

    private void flushDirty() {
        // A flush may mark other connections dirty (it never does today, but a handler's reply on another
        // connection could), so walk by index against the live count.
        for (int i = 0; i < dirtyCount; i++) {
            Connection c = dirty[i];
            dirty[i] = null;
            try {
                c.flushFromLoop();
            } catch (RuntimeException e) {
                // A bug in one connection's flush must not leave the list half-walked (the entries already
                // cleared would be visited again every cycle): that connection fails, the others are flushed.
                c.onFailure(e);
            }
        }
        dirtyCount = 0;
    }

    private void terminate() {
        isTerminated = true;
        try {
            closeRegistered();
            // The grace period is over: tell whoever is left why, send what can be sent at once, then close.
            for (int i = connectionCount - 1; i >= 0; i--) {
                if (i < connectionCount) {
                    connections[i].closeGracefully(dev.netproto.api.ErrorCode.SHUTTING_DOWN,
                        "shutting down: grace period ended");
                }
            }
            flushDirty();
            for (int i = connectionCount - 1; i >= 0; i--) {
                connections[i].closeNow(dev.netproto.api.ErrorCode.SHUTTING_DOWN, "event loop stopped", null);
            }
            // Tasks that raced with the stop still run, so that each fails its future instead of vanishing.
            Runnable task;
            while ((task = tasks.relaxedPoll()) != null) {
                runTask(task);
            }
            flushDirty();
            try {
                selector.close();
            } catch (IOException e) {
                LOG.warn("{}: closing the selector failed", name, e);
            }
            pool.close();
            pool.budget().release(READ_BUFFER_SIZE);
            onThreadExit.run();
        } catch (RuntimeException | Error e) {
            terminationFailure = e;
            LOG.error("{}: stopping failed", name, e);
        } finally {
            terminated.countDown();
        }
    }

    /** A task due at a deadline; cancelled timers stay queued until due and are then skipped. */
    static final class Timer implements Comparable<Timer> {
        final long deadlineNs;
        final Runnable task;
        boolean cancelled;

        Timer(long deadlineNs, Runnable task) {
            this.deadlineNs = deadlineNs;
            this.task = task;
        }

        void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer o) {
            return Long.compare(deadlineNs - o.deadlineNs, 0);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
