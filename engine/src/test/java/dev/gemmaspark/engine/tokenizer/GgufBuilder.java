package dev.gemmaspark.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a GGUF v3 file with metadata only, to give the loader vocabularies the golden files do not have. */
final class GgufBuilder {
    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    private final ByteArrayOutputStream kvs = new ByteArrayOutputStream();
    private int count;

    GgufBuilder string(String key, String value) {
        key(key, STRING);
        str(value);
        return this;
    }

    GgufBuilder strings(String key, String... values) {
        key(key, ARRAY);
        u32(STRING);
        u64(values.length);
        for (String v : values) {
            str(v);
        }
        return this;
    }

    GgufBuilder floats(String key, float... values) {
        key(key, ARRAY);
        u32(FLOAT32);
        u64(values.length);
        for (float v : values) {
            u32(Float.floatToRawIntBits(v));
        }
        return this;
    }

    GgufBuilder ints(String key, int... values) {
        key(key, ARRAY);
        u32(INT32);
        u64(values.length);
        for (int v : values) {
            u32(v);
        }
        return this;
    }

    GgufBuilder u32(String key, int value) {
        key(key, UINT32);
        u32(value);
        return this;
    }

    GgufBuilder bool(String key, boolean value) {
        key(key, BOOL);
        kvs.write(value ? 1 : 0);
        return this;
    }

    Path write(Path dir) {
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(count);
        try {
            Path file = Files.createTempFile(dir, "vocab", ".gguf");
            Files.write(file, concat(header.array(), kvs.toByteArray()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void key(String key, int type) {
        count++;
        str(key);
        u32(type);
    }

    private void str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        kvs.writeBytes(b);
    }

    private void u32(int v) {
        kvs.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private void u64(long v) {
        kvs.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
