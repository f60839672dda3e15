package dev.gemmaspark.engine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The java.lang.foreign bindings of the OpenCL loader: devices, buffers, programs, kernels and their errors. */
class OpenClBindingsTest {

    @BeforeAll
    static void platform() {
        OpenClPlatform.assume();
    }

    @Test
    void devicesAreListedWithTheirProperties() {
        List<ClDevice> devices = OpenCL.devices();
        assertFalse(devices.isEmpty());
        for (int i = 0; i < devices.size(); i++) {
            ClDevice d = devices.get(i);
            assertTrue(d.index() == i && !d.name().isEmpty() && d.version().startsWith("OpenCL ")
                    && d.globalMemory() > 0 && d.maxAllocation() > 0 && d.computeUnits() > 0
                    && d.maxWorkGroupSize() >= OpenClForwardPass.WG, d.toString());
        }
    }

    @Test
    void buffersCarryBytesBothWaysAndCopyOnTheDevice() {
        try (ClContext cl = new ClContext(OpenCL.device(0)); Arena arena = Arena.ofConfined()) {
            float[] data = {1.5f, -2f, 3.25f, 1e-30f, Float.MAX_VALUE, -0f, 7f, 8f};
            ClBuffer a = cl.upload("a", MemorySegment.ofArray(data));
            ClBuffer b = cl.buffer("b", 64);
            cl.copy(a, 8, b, 0, 12);
            MemorySegment back = arena.allocate(12);
            cl.read(b, 0, back);
            assertArrayEquals(new float[] {3.25f, 1e-30f, Float.MAX_VALUE}, back.toArray(ValueLayout.JAVA_FLOAT));
            assertTrue(cl.allocatedBytes() >= 32 + 64);
        }
    }

    /** A closed context refuses calls with an exception and closes once, rather than hand freed handles on. */
    @Test
    void aClosedContextRefusesCallsAndClosesOnce() {
        ClContext cl = new ClContext(OpenCL.device(0));
        ClBuffer b = cl.upload("b", MemorySegment.ofArray(new float[] {1f, 2f}));
        cl.close();
        cl.close();
        b.close();
        ClException write = assertThrows(ClException.class,
                () -> cl.write(b, 0, MemorySegment.ofArray(new float[] {3f})));
        assertTrue(write.getMessage().startsWith("clEnqueueWriteBuffer: the OpenCL context on ")
                && write.getMessage().endsWith(" is closed"), write.getMessage());
        ClException buffer = assertThrows(ClException.class, () -> cl.buffer("late", 16));
        assertTrue(buffer.getMessage().startsWith("late: the OpenCL context on "), buffer.getMessage());
        assertThrows(ClException.class, cl::finish);
    }

    @Test
    void errorsNameTheCallAndTheOpenClError() {
        try (ClContext cl = new ClContext(OpenCL.device(0))) {
            ClException build = assertThrows(ClException.class, () -> cl.program("broken.cl", ""));
            assertTrue(build.getMessage().startsWith("clBuildProgram failed for broken.cl on ")
                    && build.getMessage().contains("CL_BUILD_PROGRAM_FAILURE (-11)")
                    && build.getMessage().contains("undeclared"), build.getMessage());
            MemorySegment program = cl.program("gemma3n.cl", "");
            ClException kernel = assertThrows(ClException.class, () -> cl.kernel(program, "no_such_kernel"));
            assertTrue(kernel.getMessage().equals("clCreateKernel failed for kernel no_such_kernel:"
                    + " CL_INVALID_KERNEL_NAME (-46)"), kernel.getMessage());
            ClKernel softcap = cl.kernel(program, "softcap");
            // an int where the kernel takes a buffer
            ClException arg = assertThrows(ClException.class, () -> softcap.args().arg(1));
            assertTrue(arg.getMessage().startsWith("clSetKernelArg failed for argument 0 of kernel softcap:"
                    + " CL_INVALID_ARG_"), arg.getMessage());
        }
    }

    @Test
    void aDeviceIndexPastTheLastNamesTheOptionAndTheDevices() {
        int n = OpenCL.devices().size();
        ClException e = assertThrows(ClException.class, () -> OpenCL.device(n));
        assertTrue(e.getMessage().startsWith("device=opencl:" + n + ": there are " + n + " OpenCL devices (0 to "
                + (n - 1) + "): [opencl:0 "), e.getMessage());
    }
}
