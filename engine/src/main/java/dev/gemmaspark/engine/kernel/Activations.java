package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.ActivationQuantizer;
import dev.gemmaspark.engine.quant.HalfFloats;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input of one matmul call converted to what a kernel consumes, token by token: {@code values[t*cols
 * + c]} (quantized values as small integers in floats, or those times their block scale, or F16/BF16-rounded
 * floats, or a plain copy), per-block {@code scales}, and for Q8_1 the block sums {@code sums}, for Q8_K the
 * 16- and 32-sums of q. One instance per calling thread, reused across calls, so a warm matmul allocates
 * nothing; worker threads use theirs only for their lanes.
 */
final class Activations {
    /** What the activations are converted to before the dot products. */
    enum Format { F32, F16, BF16, Q8_0, Q8_1, Q8_K }

    /** Below this many elements converting on the calling thread is cheaper than dispatching to the pool. */
    private static final int PARALLEL_ELEMENTS = 1 << 13;
    private static final ThreadLocal<Activations> PER_THREAD = ThreadLocal.withInitial(Activations::new);
    /** Floats, their 16-bit conversions (half the bits), and 16-bit lanes of a full vector (32 values at most: a block). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Short> S2 = ShortVector.SPECIES_PREFERRED;

    float[] values = new float[0];
    /** Q8_0/Q8_1/Q8_K: the quantized values again as 16-bit lanes, for the kernels that multiply in integers. */
    short[] shorts = new short[0];
    float[] scales = new float[0];
    float[] sums = new float[0];
    /** Q8_0/Q8_K: each two consecutive q as one int (low half first), for kernels that broadcast a pair to all lanes. */
    int[] pairs = new int[0];
    /** Q8_0 and Q8_K: the sum of q over each 32 values (a Q8_0 block, a Q4_K sub-block). */
    int[] qsums = new int[0];
    /**
     * Q8_0 and Q8_K, tokens in whole tiles of {@value #TILE}: {@link #pairs}, {@link #scales} and {@link #qsums} again with
     * the tile's tokens side by side (element e of token 8j + k at 8e + k of tile j's part), so that an eight-token
     * kernel reaches all its tokens from one index at constant offsets, as llama.cpp's {@code block_q8_0x4} puts
     * four tokens' blocks together. With eight separate bases the JIT runs out of registers and the kernel spends
     * as many instructions on addresses as on products.
     */
    int[] tilePairs = new int[0];
    int[] tileQsums = new int[0];
    float[] tileScales = new float[0];
    static final int TILE = 8;
    /** Q8_K: the sums of each 16 q, and of each 32 (what the Q4_K/Q5_K mins multiply), as floats. */
    float[] bsums16 = new float[0];
    float[] bsums32 = new float[0];
    /** Q8_K: the sums of each 16 q. */
    int[] bsumInts = new int[0];
    /** Accumulator lanes and scalar extras handed from a kernel to its driver (see {@link TiledKernel}). */
    final float[] lanes = new float[Math.max(TiledKernel.LANES_SIZE, InterleavedKernel.LANES)];
    int n;
    int cols;
    final MatmulTask task = new MatmulTask();

    private Format format;
    private boolean dequantize;
    private boolean tiled;
    private float[] x;
    private int xOff;
    private final ThreadPool.RangeBody converter = this::convert;

    static Activations forCurrentThread() {
        return PER_THREAD.get();
    }

    /**
     * Converts tokens {@code x[xOff + t*cols ..]}, t in [0, n), to {@code format}, on the pool when that pays.
     * With {@code tiled}, a Q8_0 or Q8_K conversion also fills the tiles' copies ({@link #tilePairs}), for kernels that
     * read them.
     * With {@code dequantize}, a Q8 format leaves {@link #values} as f32 (each quantized value times its block
     * scale) for kernels that multiply in floats, and fills neither {@link #shorts} nor the block sums.
     */
    void prepare(ThreadPool pool, Format format, boolean dequantize, boolean tiled, float[] x, int xOff, int n, int cols) {
        this.format = format;
        this.dequantize = dequantize;
        this.tiled = tiled;
        this.x = x;
        this.xOff = xOff;
        this.n = n;
        this.cols = cols;
        int size = n * cols;
        if (values.length < size) {
            values = new float[size];
        }
        switch (format) {
            case Q8_0 -> {
                scales = ensure(scales, size / 32);
                shorts = shorts.length < size ? new short[size] : shorts;
                pairs = pairs.length < size / 2 ? new int[size / 2] : pairs;
                qsums = qsums.length < size / 32 ? new int[size / 32] : qsums;
                int inTiles = tiled ? n / TILE * TILE * cols : 0;
                tilePairs = tilePairs.length < inTiles / 2 ? new int[inTiles / 2] : tilePairs;
                tileQsums = tileQsums.length < inTiles / 32 ? new int[inTiles / 32] : tileQsums;
                tileScales = ensure(tileScales, inTiles / 32);
            }
            case Q8_1 -> {
                scales = ensure(scales, size / 32);
                sums = ensure(sums, size / 32);
                shorts = shorts.length < size ? new short[size] : shorts;
            }
            case Q8_K -> {
                scales = ensure(scales, size / 256);
                shorts = shorts.length < size ? new short[size] : shorts;
                pairs = pairs.length < size / 2 ? new int[size / 2] : pairs;
                qsums = qsums.length < size / 32 ? new int[size / 32] : qsums;
                bsums16 = ensure(bsums16, size / 16);
                bsums32 = ensure(bsums32, size / 32);
                if (bsumInts.length < size / 16) {
                    bsumInts = new int[size / 16];
                }
                int inTiles = tiled ? n / TILE * TILE * cols : 0;
                tilePairs = tilePairs.length < inTiles / 2 ? new int[inTiles / 2] : tilePairs;
                tileQsums = tileQsums.length < inTiles / 32 ? new int[inTiles / 32] : tileQsums;
                tileScales = ensure(tileScales, inTiles / 256);
            }
            default -> {
            }
        }
        if (size >= PARALLEL_ELEMENTS && n > 1) {
            pool.parallelFor(n, converter);
        } else {
            convert(0, n);
        }
        this.x = null;
    }

    /** Converts tokens [start, end). */
    private void convert(int start, int end) {
        int from = start * cols;
        int count = (end - start) * cols;
        switch (format) {
            case F32 -> System.arraycopy(x, xOff + from, values, from, count);
            case F16 -> {
                for (int i = from; i < from + count; i++) {
                    values[i] = HalfFloats.roundToF16(x[xOff + i]);
                }
            }
            case BF16 -> {
                for (int i = from; i < from + count; i++) {
                    values[i] = HalfFloats.roundToBf16(x[xOff + i]);
                }
            }
            case Q8_0 -> {
                ActivationQuantizer.q8_0(x, xOff + from, count / 32, values, from, scales, from / 32);
                if (!toShortsOrScale(from, count, 32)) {
                    pair(from, count);
                    blockSums(from, count);
                    tile(start, Math.min(end, n / TILE * TILE), 32);
                }
            }
            case Q8_1 -> {
                ActivationQuantizer.q8_1(x, xOff + from, count / 32, values, from, scales, from / 32, sums, from / 32);
                toShortsOrScale(from, count, 32);
            }
            case Q8_K -> {
                ActivationQuantizer.q8_K(x, xOff + from, count / 256, values, from, scales, from / 256, bsumInts, from / 16);
                if (toShortsOrScale(from, count, 256)) {
                    return;
                }
                pair(from, count);
                for (int i = from / 32; i < (from + count) / 32; i++) {
                    bsums16[2 * i] = bsumInts[2 * i];
                    bsums16[2 * i + 1] = bsumInts[2 * i + 1];
                    qsums[i] = bsumInts[2 * i] + bsumInts[2 * i + 1];
                    bsums32[i] = qsums[i];
                }
                tile(start, Math.min(end, n / TILE * TILE), 256);
            }
        }
    }

    /** Fills {@link #shorts}, or with {@code dequantize} scales {@link #values} by their blocks; true if it scaled. */
    private boolean toShortsOrScale(int from, int count, int block) {
        if (dequantize) {
            for (int i = from; i < from + count; i++) {
                values[i] *= scales[i / block];
            }
            return true;
        }
        // count is whole blocks of 32 or 256, so whole vectors.
        for (int i = from; i < from + count; i += F.length()) {
            ((ShortVector) FloatVector.fromArray(F, values, i).convert(VectorOperators.F2I, 0).convertShape(VectorOperators.I2S, S, 0))
                    .intoArray(shorts, i);
        }
        return false;
    }

    /** Fills {@link #pairs} from {@link #shorts}: two 16-bit lanes read as one 32-bit lane, the first low. */
    private void pair(int from, int count) {
        for (int i = from; i < from + count; i += S2.length()) {
            ShortVector.fromArray(S2, shorts, i).reinterpretAsInts().intoArray(pairs, i >> 1);
        }
    }

    /** Fills {@link #tilePairs}, {@link #tileQsums} and {@link #tileScales} (whose blocks are {@code block} long) for tokens [start, end). */
    private void tile(int start, int end, int block) {
        if (!tiled) {
            return;
        }
        int half = cols >> 1;
        int blocks = cols / block;
        int sums = cols >> 5;
        for (int t = start; t < end; t++) {
            int k = t % TILE;
            int first = t / TILE * TILE;
            for (int e = 0; e < half; e++) {
                tilePairs[first * half + k + TILE * e] = pairs[t * half + e];
            }
            for (int e = 0; e < sums; e++) {
                tileQsums[first * sums + k + TILE * e] = qsums[t * sums + e];
            }
            for (int e = 0; e < blocks; e++) {
                tileScales[first * blocks + k + TILE * e] = scales[t * blocks + e];
            }
        }
    }

    /** Fills {@link #qsums}: each block's sum of q (at most 32 x 127, so the 16-bit lane sums are exact). */
    private void blockSums(int from, int count) {
        for (int b = from / 32; b < (from + count) / 32; b++) {
            int sum = 0;
            for (int i = 32 * b; i < 32 * b + 32; i += S2.length()) {
                sum += ShortVector.fromArray(S2, shorts, i).reduceLanes(VectorOperators.ADD);
            }
            qsums[b] = sum;
        }
    }

    private static float[] ensure(float[] a, int length) {
        return a.length < length ? new float[length] : a;
    }
}
