package dev.gemmaspark.engine.opencl;

import java.lang.foreign.MemorySegment;

/**
 * One OpenCL device as the loader lists it.
 *
 * @param index         its position over all platforms' devices: what {@code opencl:N} names
 * @param handle        the {@code cl_device_id}
 * @param type          {@code CL_DEVICE_TYPE} bits (2 CPU, 4 GPU, 8 accelerator)
 * @param globalMemory  {@code CL_DEVICE_GLOBAL_MEM_SIZE}, bytes
 * @param maxAllocation {@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}: the largest single buffer, bytes
 * @param localMemory   {@code CL_DEVICE_LOCAL_MEM_SIZE}, bytes per work-group
 */
public record ClDevice(int index, String platform, String platformVersion, MemorySegment handle, String name,
                       String version, String driverVersion, long type, long globalMemory, long maxAllocation,
                       long localMemory, int computeUnits, long maxWorkGroupSize) {

    public String typeName() {
        if ((type & 4) != 0) {
            return "GPU";
        }
        if ((type & 2) != 0) {
            return "CPU";
        }
        return (type & 8) != 0 ? "accelerator" : "other";
    }

    @Override
    public String toString() {
        return "opencl:" + index + " " + name + " (" + typeName() + ", " + platform + ", " + version + ", "
                + (globalMemory >> 20) + " MiB, " + computeUnits + " compute units)";
    }
}
