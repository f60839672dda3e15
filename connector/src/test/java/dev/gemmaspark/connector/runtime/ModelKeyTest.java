package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.EngineOptions;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

class ModelKeyTest {
    private static Map<String, ResourceInformation> gpu(String... addresses) {
        return Map.of("gpu", new ResourceInformation("gpu", addresses));
    }

    @Test
    void openClTakesTheGpuSparkGaveTheTask() {
        assertEquals("opencl:1", ModelKey.taskDevice("opencl", gpu("1")));
        assertEquals("opencl:0", ModelKey.taskDevice("opencl", gpu("0", "1")));
        // without a GPU resource, the first OpenCL device
        assertEquals("opencl", ModelKey.taskDevice("opencl", Map.of()));
        // an explicit device and the CPU ignore the task's GPU
        assertEquals("opencl:2", ModelKey.taskDevice("opencl:2", gpu("1")));
        assertEquals("cpu", ModelKey.taskDevice("cpu", gpu("1")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelKey.taskDevice("opencl", gpu("GPU-5f1e")));
        assertTrue(e.getMessage().contains("spark.gemma.device=opencl: the task's GPU address 'GPU-5f1e'"),
                e.getMessage());
    }

    @Test
    void tasksOnDifferentDevicesGetDifferentContextsOnTheSameWeights() {
        EngineOptions options = EngineOptions.defaults();
        ModelKey cpu = new ModelKey("/m.gguf", null, options, null);
        ModelKey gpu0 = new ModelKey("/m.gguf", null, options.withDevice("opencl:0"), null);
        ModelKey gpu1 = new ModelKey("/m.gguf", null, options.withDevice("opencl:1"), null);
        assertEquals(cpu.weights(), gpu1.weights());
        assertNotEquals(cpu.context(), gpu0.context());
        assertNotEquals(gpu0.context(), gpu1.context());
    }
}
