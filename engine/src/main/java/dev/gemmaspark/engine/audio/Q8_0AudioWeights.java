package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import dev.gemmaspark.engine.quant.WeightQuantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Audio weights whose linear layers are quantized to Q8_0 at load, as llama-quantize would quantize them, into
 * off-heap memory this object owns: half the memory of BF16 or F16 weights, a quarter of F32. Matrices multiply
 * with llama.cpp's Q8_0 kernels (activations rounded to Q8_0); norms, convolution kernels and the embedding table
 * stay as stored, as do matrices already quantized or whose rows are not whole Q8_0 blocks.
 */
final class Q8_0AudioWeights implements AudioWeights, AutoCloseable {
    private final AudioWeights stored;
    private final Arena arena = Arena.ofShared();

    Q8_0AudioWeights(AudioWeights stored) {
        this.stored = stored;
    }

    @Override
    public Stored tensor(String hfName, long... shape) {
        return stored.tensor(hfName, shape);
    }

    @Override
    public Stored matrix(String hfName, long rows, long cols) {
        Stored t = stored.matrix(hfName, rows, cols);
        if (t.type().isQuantized() || cols % GGMLType.Q8_0.blockSize != 0) {
            return t;
        }
        float[] values = new float[Math.toIntExact(rows * cols)];
        Dequantizer.dequantize(t.type(), t.data(), 0, values, 0, values.length);
        byte[] q8 = WeightQuantizer.quantize(GGMLType.Q8_0, values);
        MemorySegment data = arena.allocate(q8.length, 64);
        MemorySegment.copy(q8, 0, data, ValueLayout.JAVA_BYTE, 0, q8.length);
        return new Stored(t.name(), GGMLType.Q8_0, data);
    }

    @Override
    public void close() {
        arena.close();
    }
}
