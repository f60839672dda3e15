package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * F32 weights: a plain f32 dot product (llama.cpp converts nothing for F32 weights).
 */
final class F32Kernel extends FloatRowKernel {
    F32Kernel() {
        super(Activations.Format.F32);
    }

    @Override
    public void widen(MemorySegment w, long off, int c, int count, short[] bits, float[] dst) {
        MemorySegment.copy(w, LittleEndian.F32, off + 4L * c, dst, 0, count);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        float[] xq = a.values;
        int x0 = t * cols;
        FloatVector a0 = FloatVector.zero(F), b0 = a0;
        int c = 0;
        for (; c + 16 <= cols; c += 16) {
            FloatVector wa = FloatVector.fromMemorySegment(F, w, off + 4L * c, LE);
            FloatVector wb = FloatVector.fromMemorySegment(F, w, off + 4L * (c + 8), LE);
            a0 = wa.fma(FloatVector.fromArray(F, xq, x0 + c), a0);
            b0 = wb.fma(FloatVector.fromArray(F, xq, x0 + c + 8), b0);
        }
        if (c + 8 <= cols) {
            FloatVector wa = FloatVector.fromMemorySegment(F, w, off + 4L * c, LE);
            a0 = wa.fma(FloatVector.fromArray(F, xq, x0 + c), a0);
            c += 8;
        }
        a0.add(b0).intoArray(lanes, 0);
        float e0 = 0;
        for (; c < cols; c++) {
            float v = w.get(LittleEndian.F32, off + 4L * c);
            e0 = Math.fma(v, xq[x0 + c], e0);
        }
        lanes[EXTRA] = e0;
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int cols = a.cols;
        float[] xq = a.values;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        FloatVector a0 = FloatVector.zero(F), b0 = a0;
        FloatVector a1 = FloatVector.zero(F), b1 = a1;
        FloatVector a2 = FloatVector.zero(F), b2 = a2;
        FloatVector a3 = FloatVector.zero(F), b3 = a3;
        int c = 0;
        for (; c + 16 <= cols; c += 16) {
            FloatVector wa = FloatVector.fromMemorySegment(F, w, off + 4L * c, LE);
            FloatVector wb = FloatVector.fromMemorySegment(F, w, off + 4L * (c + 8), LE);
            a0 = wa.fma(FloatVector.fromArray(F, xq, x0 + c), a0);
            b0 = wb.fma(FloatVector.fromArray(F, xq, x0 + c + 8), b0);
            a1 = wa.fma(FloatVector.fromArray(F, xq, x1 + c), a1);
            b1 = wb.fma(FloatVector.fromArray(F, xq, x1 + c + 8), b1);
            a2 = wa.fma(FloatVector.fromArray(F, xq, x2 + c), a2);
            b2 = wb.fma(FloatVector.fromArray(F, xq, x2 + c + 8), b2);
            a3 = wa.fma(FloatVector.fromArray(F, xq, x3 + c), a3);
            b3 = wb.fma(FloatVector.fromArray(F, xq, x3 + c + 8), b3);
        }
        if (c + 8 <= cols) {
            FloatVector wa = FloatVector.fromMemorySegment(F, w, off + 4L * c, LE);
            a0 = wa.fma(FloatVector.fromArray(F, xq, x0 + c), a0);
            a1 = wa.fma(FloatVector.fromArray(F, xq, x1 + c), a1);
            a2 = wa.fma(FloatVector.fromArray(F, xq, x2 + c), a2);
            a3 = wa.fma(FloatVector.fromArray(F, xq, x3 + c), a3);
            c += 8;
        }
        a0.add(b0).intoArray(lanes, 0);
        a1.add(b1).intoArray(lanes, 8);
        a2.add(b2).intoArray(lanes, 16);
        a3.add(b3).intoArray(lanes, 24);
        float e0 = 0, e1 = 0, e2 = 0, e3 = 0;
        for (; c < cols; c++) {
            float v = w.get(LittleEndian.F32, off + 4L * c);
            e0 = Math.fma(v, xq[x0 + c], e0);
            e1 = Math.fma(v, xq[x1 + c], e1);
            e2 = Math.fma(v, xq[x2 + c], e2);
            e3 = Math.fma(v, xq[x3 + c], e3);
        }
        lanes[EXTRA] = e0;
        lanes[EXTRA + 1] = e1;
        lanes[EXTRA + 2] = e2;
        lanes[EXTRA + 3] = e3;
    }
}
