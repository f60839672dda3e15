package dev.gemmaspark.engine.opencl;

import static dev.gemmaspark.engine.opencl.OpenCL.INT;
import static dev.gemmaspark.engine.opencl.OpenCL.PTR;
import static dev.gemmaspark.engine.opencl.OpenCL.SIZE_T;
import static dev.gemmaspark.engine.opencl.OpenCL.check;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A context and one in-order command queue on one device, with the buffers and programs made on it. Not
 * thread-safe: one caller (a scheduler thread) drives it. Closing releases everything made through it, once: the
 * handles are the driver's heap memory, so a second release (or a call after the first) would hand the ICD loader
 * a freed object whose dispatch table it jumps through, and the JVM dies with SIGSEGV instead of an exception.
 */
public final class ClContext implements AutoCloseable {
    /**
     * Build options of every program: IEEE division and square root (OpenCL allows 2.5 ulp otherwise), denormals
     * kept, and none of the {@code -cl-fast-relaxed-math} family, so that the device's float arithmetic is the
     * one the kernels spell out.
     */
    public static final String BUILD_OPTIONS = "-cl-fp32-correctly-rounded-divide-sqrt -cl-std=CL1.2";

    private final OpenCL.Functions f = OpenCL.fn();
    private final ClDevice device;
    private final MemorySegment context;
    private final MemorySegment queue;
    private final List<ClBuffer> buffers = new ArrayList<>();
    private final List<MemorySegment> programs = new ArrayList<>();
    private final List<ClKernel> kernels = new ArrayList<>();
    private long allocated;
    private boolean closed;

    public ClContext(ClDevice device) {
        this.device = device;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(INT);
            MemorySegment devs = arena.allocate(PTR);
            devs.set(PTR, 0, device.handle());
            context = f.object("clCreateContext", f.clCreateContext, MemorySegment.NULL, 1, devs, MemorySegment.NULL,
                    MemorySegment.NULL, err);
            check("clCreateContext", err.get(INT, 0));
            queue = f.object("clCreateCommandQueue", f.clCreateCommandQueue, context, device.handle(), 0L, err);
            if (err.get(INT, 0) != 0) {
                f.call("clReleaseContext", f.clReleaseContext, context);
                check("clCreateCommandQueue", err.get(INT, 0));
            }
        }
    }

    public ClDevice device() {
        return device;
    }

    /** Bytes of the buffers allocated through this context. */
    public long allocatedBytes() {
        return allocated;
    }

    /** An uninitialised device buffer of {@code bytes} (at least 1), named in errors by {@code what}. */
    public ClBuffer buffer(String what, long bytes) {
        long size = Math.max(bytes, 4);
        if (size > device.maxAllocation()) {
            throw new ClException(what + ": a buffer of " + size + " bytes exceeds " + device.name()
                    + "'s largest allocation of " + device.maxAllocation() + " bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(INT);
            MemorySegment mem = f.object("clCreateBuffer", f.clCreateBuffer, open(what), OpenCL.CL_MEM_READ_WRITE,
                    size, MemorySegment.NULL, err);
            int rc = err.get(INT, 0);
            if (rc != 0) {
                throw new ClException("clCreateBuffer failed for " + what + " (" + size + " bytes, " + allocated
                        + " already allocated on " + device.name() + "): " + OpenCL.errorName(rc) + " (" + rc + ")");
            }
            ClBuffer b = new ClBuffer(this, mem, size);
            buffers.add(b);
            allocated += size;
            return b;
        }
    }

    /** A buffer holding a copy of {@code data}. */
    public ClBuffer upload(String what, MemorySegment data) {
        ClBuffer b = buffer(what, data.byteSize());
        write(b, 0, data);
        return b;
    }

    /** Copies {@code from} into {@code to} at byte {@code offset}; returns when the copy is done. */
    public void write(ClBuffer to, long offset, MemorySegment from) {
        if (from.byteSize() == 0) {
            return;
        }
        MemorySegment src = from.isNative() ? from : Arena.ofAuto().allocate(from.byteSize(), 64).copyFrom(from);
        MemorySegment q = queue("clEnqueueWriteBuffer");
        int rc;
        try {
            rc = (int) f.clEnqueueWriteBuffer.invokeExact(q, to.handle(), 1, offset, from.byteSize(), src, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow("clEnqueueWriteBuffer", t);
        }
        check("clEnqueueWriteBuffer", rc);
    }

    /** Copies {@code to.byteSize()} bytes from {@code from} at byte {@code offset}; returns when they are there. */
    public void read(ClBuffer from, long offset, MemorySegment to) {
        if (to.byteSize() == 0) {
            return;
        }
        MemorySegment q = queue("clEnqueueReadBuffer");
        int rc;
        try {
            rc = (int) f.clEnqueueReadBuffer.invokeExact(q, from.handle(), 1, offset, to.byteSize(), to, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow("clEnqueueReadBuffer", t);
        }
        check("clEnqueueReadBuffer", rc);
    }

    /** Queues a device-side copy of {@code bytes} bytes. */
    public void copy(ClBuffer from, long fromOffset, ClBuffer to, long toOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        MemorySegment q = queue("clEnqueueCopyBuffer");
        int rc;
        try {
            rc = (int) f.clEnqueueCopyBuffer.invokeExact(q, from.handle(), to.handle(), fromOffset, toOffset,
                    bytes, 0, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow("clEnqueueCopyBuffer", t);
        }
        check("clEnqueueCopyBuffer", rc);
    }

    /** Waits for everything queued. */
    public void finish() {
        MemorySegment q = queue("clFinish");
        int rc;
        try {
            rc = (int) f.clFinish.invokeExact(q);
        } catch (Throwable t) {
            throw rethrow("clFinish", t);
        }
        check("clFinish", rc);
    }

    /**
     * Builds OpenCL C source (a resource beside this class) with {@link #BUILD_OPTIONS} and {@code defines}; a
     * failed build throws with the compiler's log.
     */
    public MemorySegment program(String resource, String defines) {
        String source;
        try (var in = ClContext.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ClException("missing OpenCL source " + resource + " in the engine's jar");
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new ClException("cannot read OpenCL source " + resource + ": " + e.getMessage(), e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(INT);
            MemorySegment strings = arena.allocate(PTR);
            strings.set(PTR, 0, arena.allocateFrom(source));
            MemorySegment program = f.object("clCreateProgramWithSource", f.clCreateProgramWithSource,
                    open(resource), 1, strings, MemorySegment.NULL, err);
            check("clCreateProgramWithSource", err.get(INT, 0));
            programs.add(program);
            MemorySegment devs = arena.allocate(PTR);
            devs.set(PTR, 0, device.handle());
            String options = BUILD_OPTIONS + (defines.isEmpty() ? "" : " " + defines);
            int rc = f.call("clBuildProgram", f.clBuildProgram, program, 1, devs, arena.allocateFrom(options),
                    MemorySegment.NULL, MemorySegment.NULL);
            if (rc != 0) {
                throw new ClException("clBuildProgram failed for " + resource + " on " + device.name() + ": "
                        + OpenCL.errorName(rc) + " (" + rc + ")\n" + buildLog(program));
            }
            return program;
        }
    }

    private String buildLog(MemorySegment program) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(SIZE_T);
            f.call("clGetProgramBuildInfo", f.clGetProgramBuildInfo, program, device.handle(),
                    OpenCL.CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
            MemorySegment log = arena.allocate(size.get(SIZE_T, 0) + 1);
            f.call("clGetProgramBuildInfo", f.clGetProgramBuildInfo, program, device.handle(),
                    OpenCL.CL_PROGRAM_BUILD_LOG, size.get(SIZE_T, 0), log, MemorySegment.NULL);
            return log.getString(0, StandardCharsets.UTF_8);
        }
    }

    /** The kernel {@code name} of a built program. */
    public ClKernel kernel(MemorySegment program, String name) {
        MemorySegment queue = queue("clCreateKernel");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(INT);
            MemorySegment k = f.object("clCreateKernel", f.clCreateKernel, program, arena.allocateFrom(name), err);
            int rc = err.get(INT, 0);
            if (rc != 0) {
                throw new ClException("clCreateKernel failed for kernel " + name + ": " + OpenCL.errorName(rc) + " ("
                        + rc + ")");
            }
            ClKernel kernel = new ClKernel(f, name, k, queue);
            kernels.add(kernel);
            return kernel;
        }
    }

    /** The queue, or a {@link ClException} naming {@code call} once this context is closed. */
    private MemorySegment queue(String call) {
        open(call);
        return queue;
    }

    /** The context, or a {@link ClException} naming {@code what} once it is closed. */
    private MemorySegment open(String what) {
        if (closed) {
            throw new ClException(what + ": the OpenCL context on " + device.name() + " is closed");
        }
        return context;
    }

    static ClException rethrow(String call, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new ClException(call + " failed: " + t, t);
    }

    void release(ClBuffer b) {
        if (buffers.remove(b)) {
            allocated -= b.size();
            f.call("clReleaseMemObject", f.clReleaseMemObject, b.handle());
        }
    }

    /** Releases everything made through this context; a second call does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ClKernel k : kernels) {
            k.close();
        }
        kernels.clear();
        for (ClBuffer b : buffers) {
            f.call("clReleaseMemObject", f.clReleaseMemObject, b.handle());
        }
        buffers.clear();
        allocated = 0;
        for (MemorySegment p : programs) {
            f.call("clReleaseProgram", f.clReleaseProgram, p);
        }
        programs.clear();
        f.call("clReleaseCommandQueue", f.clReleaseCommandQueue, queue);
        f.call("clReleaseContext", f.clReleaseContext, context);
    }
}
