package dev.gemmaspark.engine.opencl;

import java.lang.foreign.MemorySegment;

/** A device buffer ({@code cl_mem}) of a {@link ClContext}, released with it or by {@link #close}. */
public final class ClBuffer implements AutoCloseable {
    private final ClContext context;
    private final MemorySegment handle;
    private final long size;

    ClBuffer(ClContext context, MemorySegment handle, long size) {
        this.context = context;
        this.handle = handle;
        this.size = size;
    }

    MemorySegment handle() {
        return handle;
    }

    public long size() {
        return size;
    }

    @Override
    public void close() {
        context.release(this);
    }
}
