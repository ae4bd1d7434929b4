package dev.netproto.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * A byte sink standing in for a socket in the stage tests: it keeps what it is given and takes at most
 * {@code maxPerWrite} bytes per call, so that partial writes happen when a test wants them.
 */
final class ByteSink implements GatheringByteChannel {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final int maxPerWrite;
    int writes;

    ByteSink(int maxPerWrite) {
        this.maxPerWrite = maxPerWrite;
    }

    ByteSink() {
        this(Integer.MAX_VALUE);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    @Override
    public int write(ByteBuffer src) {
        return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        writes++;
        long taken = 0;
        for (int i = offset; i < offset + length && taken < maxPerWrite; i++) {
            ByteBuffer src = srcs[i];
            int n = (int) Math.min(src.remaining(), maxPerWrite - taken);
            byte[] chunk = new byte[n];
            src.get(chunk);
            out.write(chunk, 0, n);
            taken += n;
        }
        return taken;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
