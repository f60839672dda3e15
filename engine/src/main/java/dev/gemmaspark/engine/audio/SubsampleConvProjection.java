package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.WeightMatrix;

/**
 * HF's sub-sample conv projection: two blocks of [3x3 stride-2 conv → cumulative group norm → ReLU] over the
 * log-mel image (time as height, mel bins as width; padding 0 before and 2 after in time, 1 on each side in
 * frequency, so each output step looks two frames ahead), then a linear projection of each time step's
 * {@code [freq][channel]} values to the model width.
 *
 * <p>Activations are laid out {@code [time][freq][channel]}; each convolution gathers its 3x3 patches (columns in
 * HF's weight order: input channel, then kernel row, then column) for a run of output steps and multiplies them by
 * the weight matrix in one product.
 */
final class SubsampleConvProjection {
    private static final int KERNEL = 3;
    private static final int PATCH_ROWS_PER_PASS = 4096;

    private final int melBins;
    private final int c0;
    private final int c1;
    private final int f0;
    private final int f1;
    private final float normEps;
    private final WeightMatrix conv0;
    private final float[] norm0;
    private final WeightMatrix conv1;
    private final float[] norm1;
    private final WeightMatrix inputProjection;

    SubsampleConvProjection(AudioWeights weights, String prefix, AudioConfig c) {
        melBins = c.melBins();
        c0 = c.sscpChannels0();
        c1 = c.sscpChannels1();
        f0 = c.sscpFreq0();
        f1 = c.sscpFreq1();
        normEps = c.sscpGroupNormEps();
        conv0 = Tensors.conv(weights, prefix + "conv_0.conv.weight", c0, 1, KERNEL, KERNEL);
        norm0 = Tensors.vector(weights, prefix + "conv_0.norm.weight", c0);
        conv1 = Tensors.conv(weights, prefix + "conv_1.conv.weight", c1, c0, KERNEL, KERNEL);
        norm1 = Tensors.vector(weights, prefix + "conv_1.norm.weight", c1);
        inputProjection = Tensors.matrix(weights, prefix + "input_proj_linear.weight", c.hiddenSize(), f1 * c1);
    }

    /** Steps after the two time strides: ceil(ceil(frames / 2) / 2). */
    static int steps(int frames) {
        return outputLength(outputLength(frames));
    }

    private static int outputLength(int in) {
        return (in + 2 - KERNEL) / 2 + 1;
    }

    int projectionWidth() {
        return f1 * c1;
    }

    /** Block 0 on one clip's features: {@code [T1][f0][c0]}. */
    float[] block0(ThreadPool pool, MelFeatures features) {
        int t1 = outputLength(features.frames());
        float[] out = new float[t1 * f0 * c0];
        convolve(pool, conv0, features.values(), features.frames(), melBins, 1, out, t1, f0);
        normalizeAndRectify(pool, out, t1, f0, c0, norm0);
        return out;
    }

    /** Block 1 on block 0's output: {@code [T2][f1][c1]}, i.e. each step's projection input. */
    float[] block1(ThreadPool pool, float[] y0, int t1) {
        int t2 = outputLength(t1);
        float[] out = new float[t2 * f1 * c1];
        convolve(pool, conv1, y0, t1, f0, c0, out, t2, f1);
        normalizeAndRectify(pool, out, t2, f1, c1, norm1);
        return out;
    }

    /** The linear projection of {@code rows} steps of width {@link #projectionWidth()}. */
    void project(ThreadPool pool, float[] steps, int rows, float[] out) {
        inputProjection.matmulDequantized(pool, steps, 0, rows, out, 0);
    }

    private static void convolve(ThreadPool pool, WeightMatrix w, float[] in, int tIn, int fIn, int cIn, float[] out,
            int tOut, int fOut) {
        int patch = cIn * KERNEL * KERNEL;
        int stepsPerPass = Math.max(1, PATCH_ROWS_PER_PASS / fOut);
        float[] patches = new float[Math.min(tOut, stepsPerPass) * fOut * patch];
        for (int t0 = 0; t0 < tOut; t0 += stepsPerPass) {
            int steps = Math.min(stepsPerPass, tOut - t0);
            int first = t0;
            pool.parallelFor(steps * fOut, (s, e) -> {
                for (int row = s; row < e; row++) {
                    int t = first + row / fOut;
                    int f = row % fOut;
                    int base = row * patch;
                    for (int ci = 0; ci < cIn; ci++) {
                        for (int dt = 0; dt < KERNEL; dt++) {
                            int ti = 2 * t + dt;
                            for (int df = 0; df < KERNEL; df++) {
                                int fi = 2 * f + df - 1;
                                boolean inside = ti < tIn && fi >= 0 && fi < fIn;
                                patches[base + (ci * KERNEL + dt) * KERNEL + df] = inside ? in[(ti * fIn + fi) * cIn + ci] : 0f;
                            }
                        }
                    }
                }
            });
            w.matmulDequantized(pool, patches, 0, steps * fOut, out, t0 * fOut * w.rows());
        }
    }

    /**
     * HF's cumulative group norm (one group, causal in time) then ReLU, in place on {@code [t][f][c]}: step t is
     * centred on the running mean of steps 0..t and scaled by the running variance, each past step contributing its
     * squared deviation from its own running mean.
     */
    private void normalizeAndRectify(ThreadPool pool, float[] x, int steps, int freq, int channels, float[] gamma) {
        int width = freq * channels;
        double[] sums = new double[steps];
        pool.parallelFor(steps, (s, e) -> {
            for (int t = s; t < e; t++) {
                double sum = 0;
                for (int i = t * width; i < (t + 1) * width; i++) {
                    sum += x[i];
                }
                sums[t] = sum;
            }
        });
        double[] mean = new double[steps];
        double running = 0;
        for (int t = 0; t < steps; t++) {
            running += sums[t];
            mean[t] = running / ((double) (t + 1) * width);
        }
        pool.parallelFor(steps, (s, e) -> {
            for (int t = s; t < e; t++) {
                double sq = 0;
                for (int i = t * width; i < (t + 1) * width; i++) {
                    double d = x[i] - mean[t];
                    sq += d * d;
                }
                sums[t] = sq;
            }
        });
        double[] scale = new double[steps];
        running = 0;
        for (int t = 0; t < steps; t++) {
            running += sums[t];
            scale[t] = 1.0 / Math.sqrt(running / ((double) (t + 1) * width) + normEps);
        }
        pool.parallelFor(steps, (s, e) -> {
            for (int t = s; t < e; t++) {
                for (int f = 0; f < freq; f++) {
                    int base = (t * freq + f) * channels;
                    for (int c = 0; c < channels; c++) {
                        float y = (float) ((x[base + c] - mean[t]) * scale[t]) * gamma[c];
                        x[base + c] = Math.max(0f, y);
                    }
                }
            }
        });
    }
}
