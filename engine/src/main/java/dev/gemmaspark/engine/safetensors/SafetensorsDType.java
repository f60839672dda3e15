package dev.gemmaspark.engine.safetensors;

import dev.gemmaspark.engine.gguf.GGMLType;

/** The floating-point element types the reader accepts, with their size and the matching ggml type. */
public enum SafetensorsDType {
    F32(4, GGMLType.F32),
    F16(2, GGMLType.F16),
    BF16(2, GGMLType.BF16);

    public final int bytes;
    public final GGMLType ggmlType;

    SafetensorsDType(int bytes, GGMLType ggmlType) {
        this.bytes = bytes;
        this.ggmlType = ggmlType;
    }

    /** The type named {@code name} in a safetensors header, or null when it is not one of these. */
    static SafetensorsDType byName(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
