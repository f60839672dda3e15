package dev.gemmaspark.engine.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF version 3 file: metadata entries of every GGUF value type, tensor infos, and tensor data
 * aligned to {@code general.alignment} (32 unless that key is put). Entries and tensors are declared first;
 * {@link #write} then writes the header and asks each tensor's {@link TensorData} to fill its region of the
 * file, one tensor at a time, so a model larger than memory can be written. Declaration order is file order.
 */
public final class GGUFWriter {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final int VERSION = 3;
    private static final long DEFAULT_ALIGNMENT = 32;
    private static final int MAX_NAME_BYTES = 63;

    /** GGUF metadata value types, with their ids in the file. */
    public enum ValueType {
        UINT8(0), INT8(1), UINT16(2), INT16(3), UINT32(4), INT32(5), FLOAT32(6), BOOL(7), STRING(8), ARRAY(9),
        UINT64(10), INT64(11), FLOAT64(12);

        public final int id;

        ValueType(int id) {
            this.id = id;
        }
    }

    /** Fills one tensor's bytes. */
    @FunctionalInterface
    public interface TensorData {
        /**
         * Writes the tensor into {@code dst}, a writable mapping of exactly its bytes in the output file; it may be
         * written from several threads. The mapping is released when this method returns.
         */
        void writeTo(MemorySegment dst) throws IOException;
    }

    private record Entry(ValueType type, ValueType elementType, Object value) {}

    private record Tensor(String name, GGMLType type, long[] ne, long bytes, TensorData data) {}

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public GGUFWriter putString(String key, String value) {
        return put(key, ValueType.STRING, null, requireNonNull(key, value));
    }

    public GGUFWriter putBool(String key, boolean value) {
        return put(key, ValueType.BOOL, null, value);
    }

    public GGUFWriter putFloat32(String key, float value) {
        return put(key, ValueType.FLOAT32, null, value);
    }

    public GGUFWriter putFloat64(String key, double value) {
        return put(key, ValueType.FLOAT64, null, value);
    }

    /**
     * An integer of type {@code type} (UINT8 ... INT64); the value must fit the type (UINT64 takes the 64 bits
     * as they are).
     */
    public GGUFWriter putInteger(String key, ValueType type, long value) {
        checkInteger(key, type, value);
        return put(key, type, null, value);
    }

    public GGUFWriter putUInt32(String key, long value) {
        return putInteger(key, ValueType.UINT32, value);
    }

    public GGUFWriter putInt32(String key, int value) {
        return putInteger(key, ValueType.INT32, value);
    }

    /**
     * A value as {@link GGUFFile#metadata()} decodes it, written back with a type that reads back the same: the
     * reader does not keep integer types, so integers ({@code Long}, and {@code long[]} arrays) go back as UINT32
     * where they fit, as llama.cpp's converter writes counts and token ids, and {@code Integer} / {@code int[]} as
     * INT32. For copying or editing a file's metadata.
     */
    public GGUFWriter putDecoded(String key, Object v) {
        return switch (v) {
            case String s -> putString(key, s);
            case Boolean b -> putBool(key, b);
            case Float f -> putFloat32(key, f);
            case Double d -> putFloat64(key, d);
            case Long l -> putInteger(key, l >= 0 && l <= 0xFFFF_FFFFL ? ValueType.UINT32 : ValueType.INT64, l);
            case Integer i -> putInt32(key, i);
            case String[] a -> putArray(key, ValueType.STRING, a);
            case float[] a -> putArray(key, ValueType.FLOAT32, a);
            case double[] a -> putArray(key, ValueType.FLOAT64, a);
            case boolean[] a -> putArray(key, ValueType.BOOL, a);
            case int[] a -> putArray(key, ValueType.INT32, a);
            case long[] a -> putArray(key, Arrays.stream(a).allMatch(x -> x >= 0 && x <= 0xFFFF_FFFFL)
                    ? ValueType.UINT32 : ValueType.INT64, a);
            default -> throw new IllegalArgumentException("metadata key '" + key + "' has an unsupported value "
                    + v.getClass().getSimpleName());
        };
    }

    /**
     * An array of {@code elementType}: {@code String[]} for STRING, {@code float[]} for FLOAT32, {@code double[]}
     * for FLOAT64, {@code boolean[]} for BOOL, and {@code int[]} or {@code long[]} for the integer types (each
     * element must fit). Arrays of arrays do not exist in GGUF.
     */
    public GGUFWriter putArray(String key, ValueType elementType, Object values) {
        requireNonNull(key, values);
        boolean ok = switch (elementType) {
            case STRING -> values instanceof String[] strings && Arrays.stream(strings).allMatch(Objects::nonNull);
            case FLOAT32 -> values instanceof float[];
            case FLOAT64 -> values instanceof double[];
            case BOOL -> values instanceof boolean[];
            case ARRAY -> false;
            default -> values instanceof int[] || values instanceof long[];
        };
        if (!ok) {
            throw new IllegalArgumentException("metadata key '" + key + "': a " + values.getClass().getSimpleName()
                    + " cannot be written as an array of " + elementType);
        }
        if (values instanceof int[] ints) {
            for (int v : ints) {
                checkInteger(key, elementType, v);
            }
        } else if (values instanceof long[] longs) {
            for (long v : longs) {
                checkInteger(key, elementType, v);
            }
        }
        return put(key, ValueType.ARRAY, elementType, values);
    }

    /**
     * Declares a tensor of ggml shape {@code ne} ({@code ne[0]} contiguous, 1 to 4 dimensions); {@code data} fills
     * it during {@link #write}.
     */
    public GGUFWriter addTensor(String name, GGMLType type, long[] ne, TensorData data) {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' must have 1 to " + MAX_NAME_BYTES
                    + " UTF-8 bytes");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is declared twice");
        }
        if (ne.length < 1 || ne.length > 4) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + ne.length + " dimensions (1 to 4)");
        }
        long count = 1;
        for (long d : ne) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a dimension " + d);
            }
            count = Math.multiplyExact(count, d);
        }
        if (ne[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row length " + ne[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        tensors.put(name, new Tensor(name, type, ne.clone(), type.bytesFor(count), data));
        return this;
    }

    /** Writes the file, replacing {@code out}; IO errors name the file. */
    public void write(Path out) throws IOException {
        long alignment = alignment();
        List<Long> offsets = new ArrayList<>();
        long dataSize = 0;
        for (Tensor t : tensors.values()) {
            offsets.add(dataSize);
            dataSize += padded(t.bytes, alignment);
        }
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
            LittleEndianOutput header = new LittleEndianOutput(
                    new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16));
            writeHeader(header, offsets);
            long dataStart = padded(header.position, alignment);
            header.zeros(dataStart - header.position);
            header.flush();
            int i = 0;
            for (Tensor t : tensors.values()) {
                long start = dataStart + offsets.get(i++);
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment region = ch.map(FileChannel.MapMode.READ_WRITE, start, t.bytes, arena);
                    t.data.writeTo(region);
                }
            }
            // The gaps between tensors read as zeros; setting the length makes the last padding real too.
            long end = dataStart + dataSize;
            if (ch.size() < end) {
                ch.write(ByteBuffer.allocate(1), end - 1);
            }
        } catch (IOException e) {
            throw new IOException(out + ": cannot write GGUF file: " + e.getMessage(), e);
        }
    }

    private long alignment() {
        Entry e = metadata.get("general.alignment");
        if (e == null) {
            return DEFAULT_ALIGNMENT;
        }
        long a = e.value instanceof Long l ? l : -1;
        if (e.type != ValueType.UINT32 || a <= 0 || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException("general.alignment must be a UINT32 power of two, got " + e.type
                    + " " + e.value);
        }
        return a;
    }

    private static long padded(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private void writeHeader(LittleEndianOutput o, List<Long> offsets) throws IOException {
        o.i32(MAGIC);
        o.i32(VERSION);
        o.i64(tensors.size());
        o.i64(metadata.size());
        for (Map.Entry<String, Entry> kv : metadata.entrySet()) {
            o.string(kv.getKey());
            Entry e = kv.getValue();
            o.i32(e.type.id);
            if (e.type == ValueType.ARRAY) {
                o.i32(e.elementType.id);
                writeArray(o, e.elementType, e.value);
            } else {
                writeScalar(o, e.type, e.value);
            }
        }
        int i = 0;
        for (Tensor t : tensors.values()) {
            o.string(t.name);
            o.i32(t.ne.length);
            for (long d : t.ne) {
                o.i64(d);
            }
            o.i32(t.type.id);
            o.i64(offsets.get(i++));
        }
    }

    private static void writeScalar(LittleEndianOutput o, ValueType type, Object v) throws IOException {
        switch (type) {
            case STRING -> o.string((String) v);
            case BOOL -> o.u8((Boolean) v ? 1 : 0);
            case FLOAT32 -> o.i32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> o.i64(Double.doubleToRawLongBits((Double) v));
            default -> writeInteger(o, type, ((Number) v).longValue());
        }
    }

    private static void writeInteger(LittleEndianOutput o, ValueType type, long v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> o.u8((int) v);
            case UINT16, INT16 -> o.i16((int) v);
            case UINT32, INT32 -> o.i32((int) v);
            case UINT64, INT64 -> o.i64(v);
            default -> throw new IllegalStateException(type + " is not an integer type");
        }
    }

    private static void writeArray(LittleEndianOutput o, ValueType elementType, Object values) throws IOException {
        switch (values) {
            case String[] a -> {
                o.i64(a.length);
                for (String s : a) {
                    o.string(s);
                }
            }
            case float[] a -> {
                o.i64(a.length);
                for (float f : a) {
                    o.i32(Float.floatToRawIntBits(f));
                }
            }
            case double[] a -> {
                o.i64(a.length);
                for (double d : a) {
                    o.i64(Double.doubleToRawLongBits(d));
                }
            }
            case boolean[] a -> {
                o.i64(a.length);
                for (boolean b : a) {
                    o.u8(b ? 1 : 0);
                }
            }
            case int[] a -> {
                o.i64(a.length);
                for (int v : a) {
                    writeInteger(o, elementType, v);
                }
            }
            case long[] a -> {
                o.i64(a.length);
                for (long v : a) {
                    writeInteger(o, elementType, v);
                }
            }
            default -> throw new IllegalStateException("unexpected array " + values.getClass());
        }
    }

    private GGUFWriter put(String key, ValueType type, ValueType elementType, Object value) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' is put twice");
        }
        metadata.put(key, new Entry(type, elementType, value));
        return this;
    }

    private static <T> T requireNonNull(String key, T value) {
        if (value == null) {
            throw new IllegalArgumentException("metadata key '" + key + "' has a null value");
        }
        return value;
    }

    private static void checkInteger(String key, ValueType type, long v) {
        boolean fits = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            case UINT64, INT64 -> true;
            default -> throw new IllegalArgumentException("metadata key '" + key + "': " + type
                    + " is not an integer type");
        };
        if (!fits) {
            throw new IllegalArgumentException("metadata key '" + key + "': " + v + " does not fit " + type);
        }
    }

    /** Little-endian encoding onto a stream, counting the bytes written. */
    private static final class LittleEndianOutput {
        private final OutputStream out;
        long position;

        LittleEndianOutput(OutputStream out) {
            this.out = out;
        }

        void u8(int v) throws IOException {
            out.write(v);
            position++;
        }

        void i16(int v) throws IOException {
            u8(v & 0xFF);
            u8((v >>> 8) & 0xFF);
        }

        void i32(int v) throws IOException {
            i16(v);
            i16(v >>> 16);
        }

        void i64(long v) throws IOException {
            i32((int) v);
            i32((int) (v >>> 32));
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.write(b);
            position += b.length;
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }

        void flush() throws IOException {
            out.flush();
        }
    }
}
