package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.opencl.OpenCL;
import org.junit.jupiter.api.Test;

/** {@code --device} of the model commands and {@code info --device}. */
class DeviceOptionTest {
    private static final String MODEL = Golden.model("gemma3n-tiny6q-tinyvocab-Q4_0").toString();

    @Test
    void aBadDeviceIsAUsageErrorNamingTheOption() {
        CliRun r = CliRun.of("generate", "--model", MODEL, "--prompt", "Hi", "--device", "gpu");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("option --device: device must be cpu, opencl or opencl:N, got 'gpu'"), r.err());
    }

    @Test
    void infoListsTheOpenClDevicesAsJson() throws Exception {
        CliRun r = CliRun.of("info", "--device", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode devices = Main.JSON.readTree(r.out()).get("opencl_devices");
        int expected = OpenCL.libraryLoaded() ? OpenCL.devices().size() : 0;
        assertEquals(expected, devices.size(), r.out());
        for (int i = 0; i < devices.size(); i++) {
            assertEquals(i, devices.get(i).get("index").asInt());
            assertTrue(devices.get(i).get("global_memory_bytes").asLong() > 0, r.out());
        }
    }

    /**
     * Where there is an OpenCL device, generation on it gives the CPU's greedy text (an F32 model: the two backends'
     * logits are within 3e-3 there, far below this prompt's top-2 margins).
     */
    @Test
    void generateRunsOnTheOpenClDeviceWhenThereIsOne() {
        if (!OpenCL.libraryLoaded() || OpenCL.devices().isEmpty()) {
            CliRun r = CliRun.of("generate", "--model", MODEL, "--prompt", "Hi", "--device", "opencl");
            assertEquals(1, r.status(), r.out());
            assertTrue(r.err().contains("device=opencl"), r.err());
            return;
        }
        String f32 = Golden.model("gemma3n-tiny6-tinyvocab-f32").toString();
        CliRun cpu = CliRun.of("generate", "--model", f32, "--prompt", "Hello", "--max-tokens", "8", "--context", "64");
        CliRun device = CliRun.of("generate", "--model", f32, "--prompt", "Hello", "--max-tokens", "8", "--context", "64",
                "--device", "opencl:0");
        assertEquals(0, device.status(), device.err());
        assertEquals(cpu.out(), device.out());
    }
}
