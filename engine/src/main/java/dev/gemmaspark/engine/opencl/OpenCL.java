package dev.gemmaspark.engine.opencl;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL 1.2 API of the ICD loader {@code libOpenCL.so.1}, bound with {@code java.lang.foreign}: no JNI and
 * no native code of our own. The loader dispatches to whichever drivers the machine has registered (NVIDIA's,
 * ROCm's, Intel's, PoCL's). Every call that returns an error code goes through {@link #check}, which throws a
 * {@link ClException} naming the call and the error; the library and its handles are found once, on first use.
 */
public final class OpenCL {
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    static final AddressLayout PTR = ValueLayout.ADDRESS;

    static final int CL_PLATFORM_VERSION = 0x0901;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_DEVICE_TYPE = 0x1000;
    static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_VERSION = 0x102F;
    static final int CL_DRIVER_VERSION = 0x102D;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final long CL_MEM_READ_WRITE = 1;
    static final long CL_MEM_READ_ONLY = 4;

    /** The loader's functions; null when the library cannot be loaded ({@link #LOAD_ERROR} says why). */
    private static final Functions FN;
    private static final String LOAD_ERROR;

    static {
        Functions fn = null;
        String error = null;
        try {
            fn = new Functions(SymbolLookup.libraryLookup("libOpenCL.so.1", Arena.global()));
        } catch (IllegalArgumentException | UnsupportedOperationException | IllegalCallerException e) {
            error = e.getMessage();
        }
        FN = fn;
        LOAD_ERROR = error;
    }

    private OpenCL() {
    }

    /** The loader's functions, or a {@link ClException} saying the library is missing and what to install. */
    static Functions fn() {
        if (FN == null) {
            throw new ClException("device=opencl needs the OpenCL ICD loader libOpenCL.so.1 and a driver (a GPU's,"
                    + " or PoCL for the CPU: apt-get install ocl-icd-libopencl1 pocl-opencl-icd), but it cannot be"
                    + " loaded: " + LOAD_ERROR);
        }
        return FN;
    }

    /** Whether the ICD loader could be loaded (a machine may still have no platform registered). */
    public static boolean libraryLoaded() {
        return FN != null;
    }

    /** Why {@code device=opencl} cannot run here (no loader, no platform with a device), or null when it can. */
    public static String unavailable() {
        try {
            return devices().isEmpty() ? "the OpenCL loader finds no platform with a device" : null;
        } catch (ClException e) {
            return e.getMessage();
        }
    }

    /** Every OpenCL device of every platform, in platform then device order: what {@code opencl:N} counts. */
    public static List<ClDevice> devices() {
        Functions f = fn();
        List<ClDevice> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(INT);
            int rc = f.call("clGetPlatformIDs", f.clGetPlatformIDs, 0, MemorySegment.NULL, count);
            // the ICD loader answers -1001 (no platform registered) where another driver would answer 0 platforms
            if (rc == -1001 || count.get(INT, 0) == 0) {
                return out;
            }
            check("clGetPlatformIDs", rc);
            int n = count.get(INT, 0);
            MemorySegment platforms = arena.allocate(PTR, n);
            check("clGetPlatformIDs", f.call("clGetPlatformIDs", f.clGetPlatformIDs, n, platforms, count));
            for (int p = 0; p < n; p++) {
                MemorySegment platform = platforms.getAtIndex(PTR, p);
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                MemorySegment devCount = arena.allocate(INT);
                rc = f.call("clGetDeviceIDs", f.clGetDeviceIDs, platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL,
                        devCount);
                if (rc == -1) {
                    continue;
                }
                check("clGetDeviceIDs", rc);
                int m = devCount.get(INT, 0);
                MemorySegment devs = arena.allocate(PTR, m);
                check("clGetDeviceIDs", f.call("clGetDeviceIDs", f.clGetDeviceIDs, platform, CL_DEVICE_TYPE_ALL, m,
                        devs, devCount));
                for (int d = 0; d < m; d++) {
                    MemorySegment dev = devs.getAtIndex(PTR, d);
                    out.add(new ClDevice(out.size(), platformName, platformString(platform, CL_PLATFORM_VERSION), dev,
                            deviceString(dev, CL_DEVICE_NAME), deviceString(dev, CL_DEVICE_VERSION),
                            deviceString(dev, CL_DRIVER_VERSION), deviceLong(dev, CL_DEVICE_TYPE),
                            deviceLong(dev, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                            deviceLong(dev, CL_DEVICE_LOCAL_MEM_SIZE), deviceInt(dev, CL_DEVICE_MAX_COMPUTE_UNITS),
                            deviceLong(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE)));
                }
            }
        }
        return out;
    }

    /**
     * The device {@code opencl:index} names, or a {@link ClException} naming the option when there is none: no
     * library, no platform, or fewer devices.
     */
    public static ClDevice device(int index) {
        List<ClDevice> all = devices();
        if (all.isEmpty()) {
            throw new ClException("device=opencl: the OpenCL loader finds no platform with a device (install a GPU"
                    + " driver with OpenCL, or PoCL for the CPU: apt-get install pocl-opencl-icd; `clinfo -l` lists"
                    + " what is registered)");
        }
        if (index < 0 || index >= all.size()) {
            throw new ClException("device=opencl:" + index + ": there are " + all.size() + " OpenCL devices (0 to "
                    + (all.size() - 1) + "): " + all.stream().map(ClDevice::toString).toList());
        }
        return all.get(index);
    }

    private static String platformString(MemorySegment platform, int param) {
        Functions f = fn();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(SIZE_T);
            check("clGetPlatformInfo", f.call("clGetPlatformInfo", f.clGetPlatformInfo, platform, param, 0L,
                    MemorySegment.NULL, size));
            MemorySegment value = arena.allocate(size.get(SIZE_T, 0) + 1);
            check("clGetPlatformInfo", f.call("clGetPlatformInfo", f.clGetPlatformInfo, platform, param,
                    size.get(SIZE_T, 0), value, MemorySegment.NULL));
            return value.getString(0, StandardCharsets.UTF_8).trim();
        }
    }

    private static String deviceString(MemorySegment device, int param) {
        Functions f = fn();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(SIZE_T);
            check("clGetDeviceInfo", f.call("clGetDeviceInfo", f.clGetDeviceInfo, device, param, 0L,
                    MemorySegment.NULL, size));
            MemorySegment value = arena.allocate(size.get(SIZE_T, 0) + 1);
            check("clGetDeviceInfo", f.call("clGetDeviceInfo", f.clGetDeviceInfo, device, param, size.get(SIZE_T, 0),
                    value, MemorySegment.NULL));
            return value.getString(0, StandardCharsets.UTF_8).trim();
        }
    }

    /** A cl_ulong, size_t or cl_bitfield property (all 8 bytes on the 64-bit systems we run on). */
    private static long deviceLong(MemorySegment device, int param) {
        Functions f = fn();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            check("clGetDeviceInfo", f.call("clGetDeviceInfo", f.clGetDeviceInfo, device, param, 8L, value,
                    MemorySegment.NULL));
            return value.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private static int deviceInt(MemorySegment device, int param) {
        Functions f = fn();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(INT);
            check("clGetDeviceInfo", f.call("clGetDeviceInfo", f.clGetDeviceInfo, device, param, 4L, value,
                    MemorySegment.NULL));
            return value.get(INT, 0);
        }
    }

    /** Throws a {@link ClException} naming {@code call} and the error when {@code rc} is not CL_SUCCESS. */
    static void check(String call, int rc) {
        if (rc != 0) {
            throw new ClException(call + " failed: " + errorName(rc) + " (" + rc + ")");
        }
    }

    /** The name of an OpenCL error code as cl.h spells it. */
    static String errorName(int rc) {
        return switch (rc) {
            case 0 -> "CL_SUCCESS";
            case -1 -> "CL_DEVICE_NOT_FOUND";
            case -2 -> "CL_DEVICE_NOT_AVAILABLE";
            case -3 -> "CL_COMPILER_NOT_AVAILABLE";
            case -4 -> "CL_MEM_OBJECT_ALLOCATION_FAILURE";
            case -5 -> "CL_OUT_OF_RESOURCES";
            case -6 -> "CL_OUT_OF_HOST_MEMORY";
            case -7 -> "CL_PROFILING_INFO_NOT_AVAILABLE";
            case -8 -> "CL_MEM_COPY_OVERLAP";
            case -9 -> "CL_IMAGE_FORMAT_MISMATCH";
            case -10 -> "CL_IMAGE_FORMAT_NOT_SUPPORTED";
            case -11 -> "CL_BUILD_PROGRAM_FAILURE";
            case -12 -> "CL_MAP_FAILURE";
            case -13 -> "CL_MISALIGNED_SUB_BUFFER_OFFSET";
            case -14 -> "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST";
            case -15 -> "CL_COMPILE_PROGRAM_FAILURE";
            case -16 -> "CL_LINKER_NOT_AVAILABLE";
            case -17 -> "CL_LINK_PROGRAM_FAILURE";
            case -18 -> "CL_DEVICE_PARTITION_FAILED";
            case -19 -> "CL_KERNEL_ARG_INFO_NOT_AVAILABLE";
            case -30 -> "CL_INVALID_VALUE";
            case -31 -> "CL_INVALID_DEVICE_TYPE";
            case -32 -> "CL_INVALID_PLATFORM";
            case -33 -> "CL_INVALID_DEVICE";
            case -34 -> "CL_INVALID_CONTEXT";
            case -35 -> "CL_INVALID_QUEUE_PROPERTIES";
            case -36 -> "CL_INVALID_COMMAND_QUEUE";
            case -37 -> "CL_INVALID_HOST_PTR";
            case -38 -> "CL_INVALID_MEM_OBJECT";
            case -39 -> "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR";
            case -40 -> "CL_INVALID_IMAGE_SIZE";
            case -41 -> "CL_INVALID_SAMPLER";
            case -42 -> "CL_INVALID_BINARY";
            case -43 -> "CL_INVALID_BUILD_OPTIONS";
            case -44 -> "CL_INVALID_PROGRAM";
            case -45 -> "CL_INVALID_PROGRAM_EXECUTABLE";
            case -46 -> "CL_INVALID_KERNEL_NAME";
            case -47 -> "CL_INVALID_KERNEL_DEFINITION";
            case -48 -> "CL_INVALID_KERNEL";
            case -49 -> "CL_INVALID_ARG_INDEX";
            case -50 -> "CL_INVALID_ARG_VALUE";
            case -51 -> "CL_INVALID_ARG_SIZE";
            case -52 -> "CL_INVALID_KERNEL_ARGS";
            case -53 -> "CL_INVALID_WORK_DIMENSION";
            case -54 -> "CL_INVALID_WORK_GROUP_SIZE";
            case -55 -> "CL_INVALID_WORK_ITEM_SIZE";
            case -56 -> "CL_INVALID_GLOBAL_OFFSET";
            case -57 -> "CL_INVALID_EVENT_WAIT_LIST";
            case -58 -> "CL_INVALID_EVENT";
            case -59 -> "CL_INVALID_OPERATION";
            case -60 -> "CL_INVALID_GL_OBJECT";
            case -61 -> "CL_INVALID_BUFFER_SIZE";
            case -62 -> "CL_INVALID_MIP_LEVEL";
            case -63 -> "CL_INVALID_GLOBAL_WORK_SIZE";
            case -64 -> "CL_INVALID_PROPERTY";
            case -1001 -> "CL_PLATFORM_NOT_FOUND_KHR";
            default -> "unknown OpenCL error";
        };
    }

    /** Down-call handles of the functions used. */
    static final class Functions {
        final MethodHandle clGetPlatformIDs;
        final MethodHandle clGetPlatformInfo;
        final MethodHandle clGetDeviceIDs;
        final MethodHandle clGetDeviceInfo;
        final MethodHandle clCreateContext;
        final MethodHandle clCreateCommandQueue;
        final MethodHandle clCreateBuffer;
        final MethodHandle clCreateProgramWithSource;
        final MethodHandle clBuildProgram;
        final MethodHandle clGetProgramBuildInfo;
        final MethodHandle clCreateKernel;
        final MethodHandle clSetKernelArg;
        final MethodHandle clEnqueueNDRangeKernel;
        final MethodHandle clEnqueueReadBuffer;
        final MethodHandle clEnqueueWriteBuffer;
        final MethodHandle clEnqueueCopyBuffer;
        final MethodHandle clFinish;
        final MethodHandle clReleaseMemObject;
        final MethodHandle clReleaseKernel;
        final MethodHandle clReleaseProgram;
        final MethodHandle clReleaseCommandQueue;
        final MethodHandle clReleaseContext;

        private Functions(SymbolLookup lib) {
            clGetPlatformIDs = handle(lib, "clGetPlatformIDs", INT, INT, PTR, PTR);
            clGetPlatformInfo = handle(lib, "clGetPlatformInfo", INT, PTR, INT, SIZE_T, PTR, PTR);
            clGetDeviceIDs = handle(lib, "clGetDeviceIDs", INT, PTR, ValueLayout.JAVA_LONG, INT, PTR, PTR);
            clGetDeviceInfo = handle(lib, "clGetDeviceInfo", INT, PTR, INT, SIZE_T, PTR, PTR);
            clCreateContext = handle(lib, "clCreateContext", PTR, PTR, INT, PTR, PTR, PTR, PTR);
            clCreateCommandQueue = handle(lib, "clCreateCommandQueue", PTR, PTR, PTR, ValueLayout.JAVA_LONG, PTR);
            clCreateBuffer = handle(lib, "clCreateBuffer", PTR, PTR, ValueLayout.JAVA_LONG, SIZE_T, PTR, PTR);
            clCreateProgramWithSource = handle(lib, "clCreateProgramWithSource", PTR, PTR, INT, PTR, PTR, PTR);
            clBuildProgram = handle(lib, "clBuildProgram", INT, PTR, INT, PTR, PTR, PTR, PTR);
            clGetProgramBuildInfo = handle(lib, "clGetProgramBuildInfo", INT, PTR, PTR, INT, SIZE_T, PTR, PTR);
            clCreateKernel = handle(lib, "clCreateKernel", PTR, PTR, PTR, PTR);
            clSetKernelArg = handle(lib, "clSetKernelArg", INT, PTR, INT, SIZE_T, PTR);
            clEnqueueNDRangeKernel = handle(lib, "clEnqueueNDRangeKernel", INT, PTR, PTR, INT, PTR, PTR, PTR, INT,
                    PTR, PTR);
            clEnqueueReadBuffer = handle(lib, "clEnqueueReadBuffer", INT, PTR, PTR, INT, SIZE_T, SIZE_T, PTR, INT,
                    PTR, PTR);
            clEnqueueWriteBuffer = handle(lib, "clEnqueueWriteBuffer", INT, PTR, PTR, INT, SIZE_T, SIZE_T, PTR, INT,
                    PTR, PTR);
            clEnqueueCopyBuffer = handle(lib, "clEnqueueCopyBuffer", INT, PTR, PTR, PTR, SIZE_T, SIZE_T, SIZE_T,
                    INT, PTR, PTR);
            clFinish = handle(lib, "clFinish", INT, PTR);
            clReleaseMemObject = handle(lib, "clReleaseMemObject", INT, PTR);
            clReleaseKernel = handle(lib, "clReleaseKernel", INT, PTR);
            clReleaseProgram = handle(lib, "clReleaseProgram", INT, PTR);
            clReleaseCommandQueue = handle(lib, "clReleaseCommandQueue", INT, PTR);
            clReleaseContext = handle(lib, "clReleaseContext", INT, PTR);
        }

        private static MethodHandle handle(SymbolLookup lib, String name, MemoryLayout result, MemoryLayout... args) {
            MemorySegment symbol = lib.find(name).orElseThrow(() -> new IllegalArgumentException(
                    "libOpenCL.so.1 has no function " + name));
            return Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(result, args));
        }

        /** Invokes a handle returning cl_int. */
        int call(String name, MethodHandle h, Object... args) {
            try {
                return (int) h.invokeWithArguments(args);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new ClException(name + " failed: " + t, t);
            }
        }

        /** Invokes a handle returning a pointer (an OpenCL object). */
        MemorySegment object(String name, MethodHandle h, Object... args) {
            try {
                return (MemorySegment) h.invokeWithArguments(args);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new ClException(name + " failed: " + t, t);
            }
        }
    }
}
