package dev.gemmaspark.engine.opencl;

import static dev.gemmaspark.engine.opencl.OpenCL.check;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One kernel: arguments set in order with {@link #arg}, then {@link #launch} queues it. Holds the native scratch
 * of its calls, so it is driven by one thread.
 */
public final class ClKernel {
    private final OpenCL.Functions f;
    private final String name;
    private final MemorySegment handle;
    private final MemorySegment queue;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment value = arena.allocate(8, 8);
    private final MemorySegment sizes = arena.allocate(ValueLayout.JAVA_LONG, 4);
    private int next;

    ClKernel(OpenCL.Functions f, String name, MemorySegment handle, MemorySegment queue) {
        this.f = f;
        this.name = name;
        this.handle = handle;
        this.queue = queue;
    }

    /** Starts the arguments over at index 0. */
    public ClKernel args() {
        next = 0;
        return this;
    }

    public ClKernel arg(ClBuffer b) {
        value.set(ValueLayout.ADDRESS, 0, b.handle());
        return set(8);
    }

    public ClKernel arg(int v) {
        value.set(ValueLayout.JAVA_INT, 0, v);
        return set(4);
    }

    public ClKernel arg(long v) {
        value.set(ValueLayout.JAVA_LONG, 0, v);
        return set(8);
    }

    public ClKernel arg(float v) {
        value.set(ValueLayout.JAVA_FLOAT, 0, v);
        return set(4);
    }

    private ClKernel set(long size) {
        int rc;
        try {
            rc = (int) f.clSetKernelArg.invokeExact(handle, next, size, value);
        } catch (Throwable t) {
            throw ClContext.rethrow("clSetKernelArg", t);
        }
        if (rc != 0) {
            throw new ClException("clSetKernelArg failed for argument " + next + " of kernel " + name + ": "
                    + OpenCL.errorName(rc) + " (" + rc + ")");
        }
        next++;
        return this;
    }

    /** Queues {@code groups} work-groups of {@code local} work-items (one dimension). */
    public void launch(long groups, long local) {
        if (groups == 0) {
            return;
        }
        sizes.setAtIndex(ValueLayout.JAVA_LONG, 0, groups * local);
        sizes.setAtIndex(ValueLayout.JAVA_LONG, 1, local);
        int rc;
        try {
            rc = (int) f.clEnqueueNDRangeKernel.invokeExact(queue, handle, 1, MemorySegment.NULL, sizes,
                    sizes.asSlice(8), 0, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw ClContext.rethrow("clEnqueueNDRangeKernel", t);
        }
        if (rc != 0) {
            throw new ClException("clEnqueueNDRangeKernel failed for kernel " + name + " (" + groups + " groups of "
                    + local + "): " + OpenCL.errorName(rc) + " (" + rc + ")");
        }
    }

    void close() {
        check("clReleaseKernel", f.call("clReleaseKernel", f.clReleaseKernel, handle));
        arena.close();
    }
}
