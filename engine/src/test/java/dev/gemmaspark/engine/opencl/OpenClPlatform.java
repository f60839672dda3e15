package dev.gemmaspark.engine.opencl;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether the OpenCL tests can run: they need the ICD loader and one device (PoCL will do). Without one they are
 * skipped, unless the system property {@code gemma.opencl.required} is true (CI sets it): then they fail.
 */
final class OpenClPlatform {
    static final String REQUIRED = "gemma.opencl.required";

    private OpenClPlatform() {
    }

    /** Skips (or with {@value #REQUIRED}, fails) the calling test when there is no OpenCL device. */
    static void assume() {
        String problem = OpenCL.unavailable();
        if (problem != null && Boolean.getBoolean(REQUIRED)) {
            fail(REQUIRED + " is set but OpenCL is not usable: " + problem);
        }
        assumeTrue(problem == null, () -> "no OpenCL device: " + problem);
    }
}
