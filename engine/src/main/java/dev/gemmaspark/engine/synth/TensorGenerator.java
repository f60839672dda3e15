package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.WeightQuantizer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Draws a tensor's random values and writes them, quantized, into its region of the output file. The rows are
 * cut into chunks of a fixed size that depends only on the row length, and every chunk's values can be drawn
 * without the others' ({@link Draw}), so chunks run on all cores in any order and the values of a tensor depend
 * only on the seed: the same seed gives the same weights under every quantization.
 */
final class TensorGenerator {
    /** About this many values per chunk: large enough to amortise the task, small enough for the caches. */
    private static final int CHUNK_VALUES = 1 << 16;

    private record Buffers(float[] values, byte[] bytes) {}

    private static final ThreadLocal<Buffers> BUFFERS = new ThreadLocal<>();

    private TensorGenerator() {
    }

    /** Fills {@code dst} (exactly the tensor's bytes) with {@code spec}'s values as {@code type}. */
    static void fill(TensorSpec spec, GGMLType type, long seed, MemorySegment dst) {
        long rowLength = spec.rowLength();
        long rowBytes = type.bytesFor(rowLength);
        long rowsPerChunk = Math.max(1, CHUNK_VALUES / rowLength);
        long chunks = (spec.rows() + rowsPerChunk - 1) / rowsPerChunk;
        if (dst.byteSize() != rowBytes * spec.rows()) {
            throw new IllegalArgumentException("tensor '" + spec.name() + "': region of " + dst.byteSize()
                    + " bytes for " + rowBytes * spec.rows() + " bytes of " + type);
        }
        long streamSeed = switch (spec.draw()) {
            case Draw.Normal _ -> mix64(mix64(seed ^ 0x9E3779B97F4A7C15L) + spec.name().hashCode());
            case Draw.KeyedUniform d -> d.streamKey(seed);
        };
        LongStream.range(0, chunks).parallel().forEach(c -> {
            long firstRow = c * rowsPerChunk;
            int rows = (int) Math.min(rowsPerChunk, spec.rows() - firstRow);
            int n = Math.toIntExact(rows * rowLength);
            int bytes = Math.toIntExact(rows * rowBytes);
            Buffers buf = buffers(n, bytes);
            switch (spec.draw()) {
                case Draw.Normal d -> normal(d, new SplittableRandom(mix64(streamSeed + c)),
                        Math.clamp(d.zeroRowsFrom() - firstRow, 0, rows) * (int) rowLength, n, buf.values);
                case Draw.KeyedUniform d -> {
                    long first = firstRow * rowLength;
                    for (int i = 0; i < n; i++) {
                        buf.values[i] = d.value(streamSeed, first + i);
                    }
                }
            }
            WeightQuantizer.quantize(type, buf.values, 0, n, buf.bytes, 0);
            MemorySegment.copy(buf.bytes, 0, dst, ValueLayout.JAVA_BYTE, firstRow * rowBytes, bytes);
        });
    }

    /** {@code values[0, nonZero)} from {@code d}, {@code values[nonZero, n)} zero. */
    private static void normal(Draw.Normal d, SplittableRandom random, int nonZero, int n, float[] values) {
        for (int i = 0; i < nonZero; i++) {
            values[i] = (float) (d.mean() + d.std() * random.nextGaussian());
        }
        for (int i = nonZero; i < n; i++) {
            values[i] = 0f;
        }
    }

    private static Buffers buffers(int values, int bytes) {
        Buffers b = BUFFERS.get();
        if (b == null || b.values.length < values || b.bytes.length < bytes) {
            b = new Buffers(new float[Math.max(values, CHUNK_VALUES)], new byte[Math.max(bytes, 4 * CHUNK_VALUES)]);
            BUFFERS.set(b);
        }
        return b;
    }

    /** Stafford's mix13, the finaliser SplittableRandom uses: spreads nearby seeds over unrelated streams. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
