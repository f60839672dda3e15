package dev.gemmaspark.engine.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Zeroed private memory mapped from the operating system ({@code mmap(MAP_PRIVATE | MAP_ANONYMOUS)} through the
 * foreign function API, no native library of ours), unmapped when the segment becomes unreachable. Unlike an
 * {@link Arena} allocation it does not count against the JVM's direct-memory cap, which is the heap's size unless
 * {@code -XX:MaxDirectMemorySize} says otherwise: a Spark executor with a 1 GB heap can still hold a model's
 * interleaved weights. Linux and macOS; elsewhere {@link #map} returns null.
 */
public final class AnonymousMemory {
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final int FLAGS;

    static {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        // MAP_PRIVATE is 0x02 on both; MAP_ANONYMOUS is 0x20 on Linux, 0x1000 on macOS.
        FLAGS = os.contains("linux") ? 0x02 | 0x20 : os.contains("mac") ? 0x02 | 0x1000 : 0;
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        if (FLAGS != 0) {
            mmap = linker.defaultLookup().find("mmap").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG))).orElse(null);
            munmap = linker.defaultLookup().find("munmap").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG))).orElse(null);
        }
        MMAP = munmap != null ? mmap : null;
        MUNMAP = munmap;
    }

    private AnonymousMemory() {
    }

    /**
     * {@code bytes} of zeroed off-heap memory for {@code what} (a weight copy, named in the error), freed when
     * unreachable: mapped from the operating system where it can, outside the JVM's direct-memory cap, else direct
     * memory.
     */
    public static MemorySegment allocate(String what, long bytes) {
        MemorySegment mapped = map(bytes);
        if (mapped != null) {
            return mapped;
        }
        try {
            return Arena.ofAuto().allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            throw new OutOfMemoryError(what + ": no room for " + bytes + " bytes (" + e.getMessage() + "); off-heap"
                    + " allocations count as direct memory here, capped by -XX:MaxDirectMemorySize (by default the heap"
                    + " size)");
        }
    }

    /** {@code bytes} of zeroed memory, or null where the platform has no mmap or it fails (out of address space). */
    static MemorySegment map(long bytes) {
        if (MMAP == null) {
            return null;
        }
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, FLAGS, -1, 0L);
        } catch (Throwable e) {
            return null;
        }
        if (address.address() == -1L) {
            return null;
        }
        return address.reinterpret(bytes, Arena.ofAuto(), segment -> unmap(segment, bytes));
    }

    private static void unmap(MemorySegment segment, long bytes) {
        try {
            int unused = (int) MUNMAP.invokeExact(segment, bytes);
        } catch (Throwable e) {
            // The cleaner thread has nobody to tell; the mapping stays until the process exits.
        }
    }
}
