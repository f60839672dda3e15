package dev.gemmaspark.engine.safetensors;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its row-major (C order) bytes as a slice of the mapped file, valid until the
 * checkpoint is closed.
 */
public record SafetensorsTensor(String name, Path file, SafetensorsDType dtype, long[] shape, MemorySegment data) {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public SafetensorsTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public GGMLType ggmlType() {
        return dtype.ggmlType;
    }

    /** Throws unless the shape is exactly {@code expected}. */
    public SafetensorsTensor requireShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new SafetensorsFormatException(file + ": tensor " + name + " has shape " + Arrays.toString(shape)
                    + ", expected " + Arrays.toString(expected));
        }
        return this;
    }

    /** The elements widened to float, copied onto the heap (meant for small tensors: norms, scales, tables). */
    public float[] toFloatArray() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new SafetensorsFormatException(file + ": tensor " + name + " has " + n + " elements, too many for a float array");
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case F32 -> data.get(F32, 4L * i);
                case F16 -> Float.float16ToFloat(data.get(I16, 2L * i));
                case BF16 -> Float.intBitsToFloat(data.get(I16, 2L * i) << 16);
            };
        }
        return out;
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
