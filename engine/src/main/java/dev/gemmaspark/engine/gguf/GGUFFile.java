package dev.gemmaspark.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), memory-mapped whole as one off-heap {@link MemorySegment}. Metadata
 * values are decoded onto the heap (they are small); tensor payloads stay in the mapping and are
 * handed out as slices of it. Closing the file unmaps it: every slice becomes invalid.
 */
public final class GGUFFile implements AutoCloseable {
    private static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_NAME_BYTES = 63;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private GGUFFile(Path path, Arena arena, MemorySegment file) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        Reader r = new Reader();
        if (file.byteSize() < 24 || file.get(I32, 0) != MAGIC) {
            throw error("not a GGUF file (no 'GGUF' magic at the start)");
        }
        r.pos = 4;
        version = r.i32();
        if (version != 2 && version != 3) {
            throw error("unsupported GGUF version " + version + " (2 and 3 are supported)");
        }
        long tensorCount = r.i64();
        long kvCount = r.i64();
        if (tensorCount < 0 || kvCount < 0 || tensorCount > file.byteSize() || kvCount > file.byteSize()) {
            throw error("corrupt header (" + tensorCount + " tensors, " + kvCount + " metadata entries)");
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = r.string();
            if (key.isEmpty() || meta.containsKey(key)) {
                throw error("metadata key #" + i + " is empty or duplicated: '" + key + "'");
            }
            int type = r.i32();
            meta.put(key, r.value(type, key));
        }
        metadata = Collections.unmodifiableMap(meta);

        long alignment = DEFAULT_ALIGNMENT;
        Object a = meta.get("general.alignment");
        if (a != null) {
            alignment = ((Number) a).longValue();
            if (alignment <= 0 || Long.bitCount(alignment) != 1) {
                throw error("general.alignment " + alignment + " is not a power of two");
            }
        }

        record Raw(String name, long[] ne, GGMLType type, long offset) {}
        Raw[] raws = new Raw[(int) tensorCount];
        for (int i = 0; i < tensorCount; i++) {
            String name = r.string();
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw error("tensor name longer than 63 bytes: '" + name + "'");
            }
            int nDims = r.i32();
            if (nDims < 1 || nDims > 4) {
                throw error("tensor '" + name + "' has " + nDims + " dimensions (1 to 4 allowed)");
            }
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = r.i64();
                if (ne[d] < 0) {
                    throw error("tensor '" + name + "' has a negative dimension");
                }
            }
            int typeId = r.i32();
            GGMLType type = GGMLType.byId(typeId);
            if (type == null) {
                throw error("tensor '" + name + "' has ggml type " + typeId + ", which this engine does not support");
            }
            if (ne[0] % type.blockSize != 0) {
                throw error("tensor '" + name + "' row length " + ne[0] + " is not a multiple of the "
                        + type + " block size " + type.blockSize);
            }
            raws[i] = new Raw(name, ne, type, r.i64());
        }
        dataStart = (r.pos + alignment - 1) / alignment * alignment;

        Map<String, TensorInfo> ts = new LinkedHashMap<>();
        for (Raw raw : raws) {
            long count = 1;
            for (long d : raw.ne) {
                count = Math.multiplyExact(count, d);
            }
            long bytes = raw.type.bytesFor(count);
            long start = dataStart + raw.offset;
            if (raw.offset < 0 || start + bytes > file.byteSize()) {
                throw error("tensor '" + raw.name + "' (" + bytes + " bytes at offset " + raw.offset
                        + ") extends past the end of the file: the file is truncated");
            }
            if (ts.containsKey(raw.name)) {
                throw error("duplicate tensor name '" + raw.name + "'");
            }
            ts.put(raw.name, new TensorInfo(raw.name, raw.ne, raw.type, raw.offset, file.asSlice(start, bytes)));
        }
        tensors = Collections.unmodifiableMap(ts);
    }

    /** Maps {@code path} and parses its header; fails with a {@link GGUFFormatException} naming the file. */
    public static GGUFFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new GGUFFormatException(path + ": model file not found");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GGUFFile(path, arena, seg);
        } catch (IOException e) {
            arena.close();
            throw new GGUFFormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return file.byteSize();
    }

    public long dataStart() {
        return dataStart;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** The tensor called {@code name}, or null. */
    public TensorInfo tensorOrNull(String name) {
        return tensors.get(name);
    }

    /** The tensor called {@code name}; a missing tensor is an error naming the file. */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw error("missing tensor '" + name + "'");
        }
        return t;
    }

    public String getString(String key) {
        return get(key, String.class);
    }

    public String getString(String key, String fallback) {
        return has(key) ? getString(key) : fallback;
    }

    /** An integer value of any integer type (unsigned types widened). */
    public long getLong(String key) {
        Object v = metadata.get(key);
        if (v instanceof Long || v instanceof Integer) {
            return ((Number) v).longValue();
        }
        throw wrongType(key, v, "an integer");
    }

    public long getLong(String key, long fallback) {
        return has(key) ? getLong(key) : fallback;
    }

    public int getInt(String key) {
        return Math.toIntExact(getLong(key));
    }

    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    public float getFloat(String key) {
        Object v = metadata.get(key);
        if (v instanceof Float || v instanceof Double) {
            return ((Number) v).floatValue();
        }
        throw wrongType(key, v, "a float");
    }

    public float getFloat(String key, float fallback) {
        return has(key) ? getFloat(key) : fallback;
    }

    public boolean getBoolean(String key, boolean fallback) {
        return has(key) ? get(key, Boolean.class) : fallback;
    }

    public String[] getStringArray(String key) {
        return get(key, String[].class);
    }

    public float[] getFloatArray(String key) {
        return get(key, float[].class);
    }

    /** An array of any integer element type, as ints. */
    public int[] getIntArray(String key) {
        Object v = metadata.get(key);
        if (v instanceof int[] ints) {
            return ints;
        }
        if (v instanceof long[] longs) {
            int[] out = new int[longs.length];
            for (int i = 0; i < longs.length; i++) {
                out[i] = Math.toIntExact(longs[i]);
            }
            return out;
        }
        throw wrongType(key, v, "an integer array");
    }

    public boolean[] getBooleanArray(String key) {
        return get(key, boolean[].class);
    }

    private <T> T get(String key, Class<T> type) {
        Object v = metadata.get(key);
        if (!type.isInstance(v)) {
            throw wrongType(key, v, type.getSimpleName());
        }
        return type.cast(v);
    }

    private GGUFFormatException wrongType(String key, Object v, String expected) {
        if (v == null) {
            return error("missing metadata key '" + key + "'");
        }
        return error("metadata key '" + key + "' is " + v.getClass().getSimpleName() + ", expected " + expected);
    }

    /** An exception whose message starts with this file's path. */
    public GGUFFormatException error(String problem) {
        return new GGUFFormatException(path + ": " + problem);
    }

    @Override
    public void close() {
        arena.close();
    }

    /** A cursor over the header that turns reads past the end into a "truncated" error. */
    private final class Reader {
        long pos;

        private void need(long n) {
            if (n < 0 || pos + n > file.byteSize()) {
                throw error("truncated header (needed " + n + " bytes at offset " + pos + ", file has "
                        + file.byteSize() + ")");
            }
        }

        int u8() {
            need(1);
            return file.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
        }

        int i8() {
            need(1);
            return file.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short i16() {
            need(2);
            short v = file.get(I16, pos);
            pos += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = file.get(I32, pos);
            pos += 4;
            return v;
        }

        long i64() {
            need(8);
            long v = file.get(I64, pos);
            pos += 8;
            return v;
        }

        float f32() {
            need(4);
            float v = file.get(F32, pos);
            pos += 4;
            return v;
        }

        double f64() {
            need(8);
            double v = file.get(F64, pos);
            pos += 8;
            return v;
        }

        String string() {
            long len = i64();
            need(len);
            byte[] bytes = file.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Object value(int type, String key) {
            return switch (type) {
                case 0 -> u8();
                case 1 -> i8();
                case 2 -> i16() & 0xFFFF;
                case 3 -> (int) i16();
                case 4 -> Integer.toUnsignedLong(i32());
                case 5 -> i32();
                case 6 -> f32();
                case 7 -> u8() != 0;
                case 8 -> string();
                case 9 -> array(key);
                case 10, 11 -> i64();
                case 12 -> f64();
                default -> throw error("metadata key '" + key + "' has unknown value type " + type);
            };
        }

        Object array(String key) {
            int type = i32();
            long n = i64();
            if (n < 0 || n > file.byteSize() - pos) {
                throw error("metadata array '" + key + "' has a corrupt length " + n);
            }
            int len = (int) n;
            switch (type) {
                case 8 -> {
                    String[] out = new String[len];
                    for (int i = 0; i < len; i++) {
                        out[i] = string();
                    }
                    return out;
                }
                case 6 -> {
                    float[] out = new float[len];
                    for (int i = 0; i < len; i++) {
                        out[i] = f32();
                    }
                    return out;
                }
                case 7 -> {
                    boolean[] out = new boolean[len];
                    for (int i = 0; i < len; i++) {
                        out[i] = u8() != 0;
                    }
                    return out;
                }
                case 0, 1, 2, 3, 5 -> {
                    int[] out = new int[len];
                    for (int i = 0; i < len; i++) {
                        out[i] = ((Number) value(type, key)).intValue();
                    }
                    return out;
                }
                case 4, 10, 11 -> {
                    long[] out = new long[len];
                    for (int i = 0; i < len; i++) {
                        out[i] = ((Number) value(type, key)).longValue();
                    }
                    return out;
                }
                case 12 -> {
                    double[] out = new double[len];
                    for (int i = 0; i < len; i++) {
                        out[i] = f64();
                    }
                    return out;
                }
                case 9 -> throw error("metadata key '" + key + "' is an array of arrays, which GGUF forbids");
                default -> throw error("metadata array '" + key + "' has unknown element type " + type);
            }
        }
    }
}
