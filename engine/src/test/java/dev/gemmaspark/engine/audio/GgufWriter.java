package dev.gemmaspark.engine.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a GGUF v3 file of F32 tensors (no metadata) for tests. */
final class GgufWriter {
    private static final int ALIGNMENT = 32;
    private static final int F32 = 0;

    private record Tensor(String name, long[] ne, float[] data) {
    }

    private final List<Tensor> tensors = new ArrayList<>();

    /** A tensor with ggml dimensions {@code ne} (fastest first). */
    GgufWriter f32(String name, long[] ne, float[] data) {
        tensors.add(new Tensor(name, ne, data));
        return this;
    }

    void write(Path file) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(head, 3);
        u64(head, tensors.size());
        u64(head, 0);
        long offset = 0;
        for (Tensor t : tensors) {
            byte[] name = t.name.getBytes(StandardCharsets.UTF_8);
            u64(head, name.length);
            head.writeBytes(name);
            u32(head, t.ne.length);
            for (long d : t.ne) {
                u64(head, d);
            }
            u32(head, F32);
            u64(head, offset);
            offset = align(offset + 4L * t.data.length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toByteArray());
        out.writeBytes(new byte[(int) (align(head.size()) - head.size())]);
        for (Tensor t : tensors) {
            ByteBuffer b = ByteBuffer.allocate((int) align(4L * t.data.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : t.data) {
                b.putFloat(v);
            }
            out.writeBytes(b.array());
        }
        Files.write(file, out.toByteArray());
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }
}
