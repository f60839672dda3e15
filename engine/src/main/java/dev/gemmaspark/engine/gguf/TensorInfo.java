package dev.gemmaspark.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, ggml shape ({@code ne[0]} is the contiguous dimension), type,
 * and a slice of the memory-mapped file holding its bytes.
 */
public record TensorInfo(String name, long[] ne, GGMLType type, long offset, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    /** Size of dimension {@code i}, 1 for dimensions the tensor does not have. */
    public long dim(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    public String shape() {
        return Arrays.toString(ne);
    }
}
