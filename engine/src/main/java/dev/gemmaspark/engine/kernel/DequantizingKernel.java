package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Quantized weights with {@link ActivationRounding#NONE}: each row is dequantized exactly (as get_rows does)
 * into a per-thread buffer, then multiplied in f32 with every token of the call.
 */
final class DequantizingKernel extends RowKernel {
    private final GGMLType type;

    DequantizingKernel(GGMLType type) {
        super(Activations.Format.F32);
        this.type = type;
    }

    @Override
    void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations a, float[] out, int outOff, int stride) {
        int cols = a.cols;
        Activations mine = Activations.forCurrentThread();
        float[] row = mine.rowBuffer(cols);
        float[] lanes = mine.lanes;
        float[] x = a.values;
        for (int r = r0; r < r1; r++) {
            Dequantizer.dequantize(type, w, r * rowBytes, row, 0, cols);
            for (int t = 0; t < a.n; t++) {
                int xi = t * cols;
                FloatVector acc0 = FloatVector.zero(F);
                FloatVector acc1 = acc0;
                int c = 0;
                for (; c + 16 <= cols; c += 16) {
                    acc0 = FloatVector.fromArray(F, row, c).fma(FloatVector.fromArray(F, x, xi + c), acc0);
                    acc1 = FloatVector.fromArray(F, row, c + 8).fma(FloatVector.fromArray(F, x, xi + c + 8), acc1);
                }
                for (; c + 8 <= cols; c += 8) {
                    acc0 = FloatVector.fromArray(F, row, c).fma(FloatVector.fromArray(F, x, xi + c), acc0);
                }
                acc0.add(acc1).intoArray(lanes, 0);
                float s = sum(lanes, 0);
                for (; c < cols; c++) {
                    s = Math.fma(row[c], x[xi + c], s);
                }
                out[outOff + t * stride + r] = s;
            }
        }
    }
}
