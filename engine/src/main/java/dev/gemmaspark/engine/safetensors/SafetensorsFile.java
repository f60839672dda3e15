package dev.gemmaspark.engine.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code .safetensors} file mapped whole: a little-endian u64 header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the data section. The header is checked completely at open, so
 * a truncated or corrupt file fails before any tensor is used.
 */
final class SafetensorsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER_BYTES = 100L << 20;
    private static final String METADATA_KEY = "__metadata__";

    /** A header entry; the dtype is kept as written so that unsupported ones fail only when used. */
    private record Entry(String dtype, long[] shape, long begin, long end) {
    }

    private final Path path;
    private final MemorySegment file;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, MemorySegment file) {
        this.path = path;
        this.file = file;
        if (file.byteSize() < 8) {
            throw error("truncated: " + file.byteSize() + " bytes, shorter than the 8-byte header length");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw error("bad header length " + headerLength + " (not a safetensors file?)");
        }
        if (8 + headerLength > file.byteSize()) {
            throw error("truncated: the header needs " + (8 + headerLength) + " bytes, the file has " + file.byteSize());
        }
        dataStart = 8 + headerLength;
        byte[] header = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        entries = Collections.unmodifiableMap(parse(header, file.byteSize() - dataStart));
    }

    static SafetensorsFile map(Path path, Arena arena) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new SafetensorsFile(path, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map safetensors file " + path + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Entry> parse(byte[] header, long dataBytes) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8).trim());
        } catch (JsonProcessingException e) {
            throw error("bad header: not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw error("bad header: not a JSON object");
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            if (name.equals(METADATA_KEY)) {
                continue;
            }
            JsonNode t = field.getValue();
            JsonNode dtype = t.get("dtype");
            JsonNode shape = t.get("shape");
            JsonNode offsets = t.get("data_offsets");
            if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray() || offsets == null
                    || !offsets.isArray() || offsets.size() != 2) {
                throw error("bad header entry for tensor " + name + ": needs dtype, shape and data_offsets [begin, end]");
            }
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).asLong(-1);
                if (!shape.get(i).canConvertToLong() || dims[i] < 0) {
                    throw error("tensor " + name + ": bad shape " + shape);
                }
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin) {
                throw error("tensor " + name + ": bad data_offsets " + offsets);
            }
            if (end > dataBytes) {
                throw error("truncated: tensor " + name + " needs bytes [" + begin + ", " + end
                        + ") of the data section, which has only " + dataBytes);
            }
            SafetensorsDType known = SafetensorsDType.byName(dtype.asText());
            if (known != null && Math.multiplyExact(SafetensorsTensor.elementCount(dims), known.bytes) != end - begin) {
                throw error("tensor " + name + ": " + (end - begin) + " bytes of data for " + dtype.asText() + " "
                        + shape + ", which needs " + SafetensorsTensor.elementCount(dims) * known.bytes);
            }
            out.put(name, new Entry(dtype.asText(), dims, begin, end));
        }
        return out;
    }

    Path path() {
        return path;
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    Iterable<String> names() {
        return entries.keySet();
    }

    /** The tensor, or null when this file has none of that name. */
    SafetensorsTensor tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            return null;
        }
        SafetensorsDType dtype = SafetensorsDType.byName(e.dtype);
        if (dtype == null) {
            throw error("tensor " + name + " has dtype " + e.dtype + "; supported are F32, F16 and BF16");
        }
        return new SafetensorsTensor(name, path, dtype, e.shape, file.asSlice(dataStart + e.begin, e.end - e.begin));
    }

    private SafetensorsFormatException error(String message) {
        return new SafetensorsFormatException("safetensors file " + path + ": " + message);
    }
}
