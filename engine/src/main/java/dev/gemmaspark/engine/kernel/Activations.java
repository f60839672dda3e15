package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.ActivationQuantizer;
import dev.gemmaspark.engine.quant.HalfFloats;

/**
 * The input of one matmul call converted to what a kernel consumes, token by token: {@code values[t*cols
 * + c]} (quantized values as small integers in floats, or F16/BF16-rounded floats, or a plain copy),
 * per-block {@code scales}, and for Q8_1 the block sums {@code sums}, for Q8_K the 16-sums {@code bsums}.
 * One instance per calling thread, reused across calls, so a warm matmul allocates nothing.
 */
final class Activations {
    /** What the activations are converted to before the dot products. */
    enum Format { F32, F16, BF16, Q8_0, Q8_1, Q8_K }

    private static final ThreadLocal<Activations> PER_THREAD = ThreadLocal.withInitial(Activations::new);

    float[] values = new float[0];
    float[] scales = new float[0];
    float[] sums = new float[0];
    /** Q8_K: the sums of each 16 q, and of each 32 (what the Q4_K/Q5_K mins multiply), as floats. */
    float[] bsums16 = new float[0];
    float[] bsums32 = new float[0];
    private int[] bsumInts = new int[0];
    /** Row buffer for kernels that expand one weight row at a time. */
    float[] row = new float[0];
    /** Accumulator lanes and scalar extras handed from a kernel to its driver (see {@link TiledKernel}). */
    final float[] lanes = new float[TiledKernel.LANES_SIZE];
    int n;
    int cols;
    final MatmulTask task = new MatmulTask();

    static Activations forCurrentThread() {
        return PER_THREAD.get();
    }

    /** Converts tokens {@code x[xOff + t*cols ..]}, t in [0, n), to {@code format}. */
    void prepare(Format format, float[] x, int xOff, int n, int cols) {
        this.n = n;
        this.cols = cols;
        int size = n * cols;
        if (values.length < size) {
            values = new float[size];
        }
        switch (format) {
            case F32 -> System.arraycopy(x, xOff, values, 0, size);
            case F16 -> {
                for (int i = 0; i < size; i++) {
                    values[i] = HalfFloats.roundToF16(x[xOff + i]);
                }
            }
            case BF16 -> {
                for (int i = 0; i < size; i++) {
                    values[i] = HalfFloats.roundToBf16(x[xOff + i]);
                }
            }
            case Q8_0 -> ActivationQuantizer.q8_0(x, xOff, size / 32, values, 0, scales(size / 32), 0);
            case Q8_1 -> ActivationQuantizer.q8_1(x, xOff, size / 32, values, 0, scales(size / 32), 0, sums(size / 32), 0);
            case Q8_K -> {
                int blocks = size / 256;
                if (bsumInts.length < blocks * 16) {
                    bsumInts = new int[blocks * 16];
                    bsums16 = new float[blocks * 16];
                    bsums32 = new float[blocks * 8];
                }
                ActivationQuantizer.q8_K(x, xOff, blocks, values, 0, scales(blocks), 0, bsumInts, 0);
                for (int i = 0; i < blocks * 8; i++) {
                    bsums16[2 * i] = bsumInts[2 * i];
                    bsums16[2 * i + 1] = bsumInts[2 * i + 1];
                    bsums32[i] = bsumInts[2 * i] + bsumInts[2 * i + 1];
                }
            }
        }
    }

    float[] rowBuffer(int cols) {
        if (row.length < cols) {
            row = new float[cols];
        }
        return row;
    }

    private float[] scales(int count) {
        if (scales.length < count) {
            scales = new float[count];
        }
        return scales;
    }

    private float[] sums(int count) {
        if (sums.length < count) {
            sums = new float[count];
        }
        return sums;
    }
}
