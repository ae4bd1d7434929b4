package dev.netproto.core;

/**
 * The event loops shared by every client connection in the process: one per available processor, daemon threads
 * created on first use, so that a client needs no group to manage and the process can exit while clients exist.
 * Their buffers are counted in a budget without a limit: a client's memory follows from its own requests.
 */
final class ClientLoops {
    private ClientLoops() {
    }

    static EventLoopGroup group() {
        return Holder.GROUP;
    }

    private static final class Holder {
        static final EventLoopGroup GROUP = new EventLoopGroup("netproto-client",
            Runtime.getRuntime().availableProcessors(), true, System::nanoTime, CoreEngine::onLoopThreadExit,
            MemoryBudget.unlimited());
    }
}
