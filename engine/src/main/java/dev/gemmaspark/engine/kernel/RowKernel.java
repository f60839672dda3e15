package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products of the weight rows of one type against prepared {@link Activations}. Each output element is
 * one dot product whose float operations depend only on the row and the token's activations, never on the
 * other tokens of the call or on the thread that computes it: that is what makes results batch- and
 * thread-invariant.
 */
abstract class RowKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    final Activations.Format format;

    RowKernel(Activations.Format format) {
        this.format = format;
    }

    /** Whether the kernel takes quantized activations as f32 values times their scale (see {@link Activations#prepare}). */
    boolean multipliesFloats() {
        return false;
    }

    /** Whether the kernel reads the activations' copies in tiles of eight tokens ({@link Activations#tilePairs}). */
    boolean readsTiles() {
        return false;
    }

    /** out[outOff + t*stride + r] for rows r in [r0, r1) and all tokens of {@code a}. */
    abstract void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations a, float[] out, int outOff, int stride);

    /**
     * Sum of 8 lanes stored at {@code lanes[i..i+8)}, in a fixed order. (Vector API reductions leave the order
     * unspecified, so interpreted and compiled code could disagree.) Kernels store their accumulators with
     * {@code intoArray} and call this: a helper taking vectors would not be inlined into the large kernel
     * methods, and every call would box its vector argument.
     */
    static float sum(float[] lanes, int i) {
        return ((lanes[i] + lanes[i + 1]) + (lanes[i + 2] + lanes[i + 3]))
                + ((lanes[i + 4] + lanes[i + 5]) + (lanes[i + 6] + lanes[i + 7]));
    }
}
