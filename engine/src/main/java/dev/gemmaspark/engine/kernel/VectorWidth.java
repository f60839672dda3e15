package dev.gemmaspark.engine.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * The vector width the kernels that exist in two shapes are built for: {@link InterleavedLayout}'s groups of 16 rows
 * and {@link PanelKernel}'s 16-column micro-tiles at 512 bits, 8 rows and 8 columns at 256. It is the JIT's preferred
 * width where that is 512 bits (AVX-512), else 256. Results are the same at either width; the system property
 * {@value #PROPERTY} (256 or 512) sets it, so that tests on an AVX-512 machine cover both.
 */
final class VectorWidth {
    static final String PROPERTY = "gemma.vectorBits";
    static final int BITS = bits(System.getProperty(PROPERTY));

    private VectorWidth() {
    }

    private static int bits(String property) {
        if (property == null) {
            return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 512 : 256;
        }
        if (!property.equals("256") && !property.equals("512")) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + property + ": must be 256 or 512");
        }
        return Integer.parseInt(property);
    }
}
