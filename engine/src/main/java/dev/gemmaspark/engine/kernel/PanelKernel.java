package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights against many tokens, as a matrix-matrix product blocked for the caches. A panel of up to {@value #MC} rows
 * x {@value #KC} columns is widened to f32 once per block of up to {@value #NC} tokens ({@link Widener}: converted
 * for float weights, dequantized exactly as get_rows does for quantized ones) and packed, chunk by chunk, into the
 * order the micro-kernel reads; so are a micro-tile's {@value #TT} tokens. The micro-kernel then multiplies
 * 2 rows by 6 tokens per step with 256-bit vectors (8 vector loads feed 12 FMAs, where the tile kernels load a
 * vector per FMA), or 4 rows by 6 tokens with 512-bit ones (10 loads, 24 FMAs; {@link #WIDE}). Quantized
 * activations are taken as f32 values times their block scale ({@link #multipliesFloats}).
 *
 * <p>Each (row, token) keeps the two 8-lane accumulator chains that {@link FloatRowKernel} specifies, carried from
 * one column block to the next in a per-thread buffer, and undergoes exactly the float operations of the float
 * tile kernels, in their order. So an output element is bit-identical whether it is computed here or by the tile
 * kernel (which, for float weights, serves calls of fewer than {@value #MIN_TOKENS} tokens, decode among them),
 * whatever block or micro-tile its row and token fall in and whichever thread computes it. Quantized weights have
 * no such tile kernel: all their calls come here.
 *
 * <p>Sizes: the packed panel (up to 288 KiB) stays in L2 while every micro-tile of tokens passes over it; a
 * micro-tile's activations (18 KiB) stay in L1 while it sweeps the panel; the accumulators of a panel's rows and a
 * token block (up to 1.5 MiB) stream through once per column block: a micro-tile loads and stores its accumulator
 * vectors once per 48 steps (of 8 columns at 256 bits, 16 at 512).
 */
final class PanelKernel extends RowKernel {
    /** Fewer tokens than this go to the float tile kernel: below it widening the panel costs more than it saves. */
    static final int MIN_TOKENS = 8;
    /**
     * Whether the micro-kernel takes 16 columns per vector ({@link #tile16}): at a {@link VectorWidth} of 512 bits. One
     * such vector holds a chunk of each of the two chains, side by side, so the same lanes see the same operations.
     */
    static final boolean WIDE = VectorWidth.BITS == 512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    /**
     * Micro-tile rows and tokens. 256-bit: 12 accumulators, 2 weight vectors and an activation vector fit in AVX2's
     * 16 vector registers (3 x 4, one register more, spills there and runs at half speed). 512-bit: 24 accumulators,
     * 4 weight vectors and an activation vector in AVX-512's 32.
     */
    static final int TR = WIDE ? 4 : 2;
    static final int TT = 6;
    /** Most rows in a panel (a multiple of TR). */
    static final int MC = 96;
    /** Columns of a panel: a multiple of 16, so that a chunk is in the same chain (even or odd) in every block. */
    static final int KC = 768;
    /** Most tokens in a block. */
    static final int NC = 256;
    /** Floats of one chain's accumulators for one micro-tile. */
    private static final int TILE = TR * TT * 8;
    /** Floats of both chains' accumulators for a panel's micro-tiles of one token micro-tile. */
    private static final int TILE_ROW = MC / TR * 2 * TILE;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Widens weight columns to f32, exactly, in the panel kernel's scratch. */
    @FunctionalInterface
    interface Widener {
        /** Columns [c, c + count) of the row at byte {@code off} into dst[0 .. count); {@code bits}: scratch of count shorts. */
        void widen(MemorySegment w, long off, int c, int count, short[] bits, float[] dst);
    }

    private final Widener widener;
    /** The kernel for calls of fewer than MIN_TOKENS tokens, or null to take all calls here. */
    private final RowKernel small;

    private PanelKernel(Activations.Format format, Widener widener, RowKernel small) {
        super(format);
        this.widener = widener;
        this.small = small;
    }

    /** Float weights: calls of {@value #MIN_TOKENS} tokens or more here, smaller ones to {@code tiles}, with equal results. */
    static PanelKernel of(FloatRowKernel tiles) {
        return new PanelKernel(tiles.format, tiles, tiles);
    }

    /**
     * Quantized weights of {@code type}, dequantized exactly, against activations in {@code format} (F32, or the
     * type's Q8 format taken as f32): all calls here.
     */
    static PanelKernel dequantizing(GGMLType type, Activations.Format format) {
        return dequantizing(type, RowDecoder.forType(type), format);
    }

    /** As {@link #dequantizing(GGMLType, Activations.Format)}, with rows read by {@code decoder} (a layout of its own). */
    static PanelKernel dequantizing(GGMLType type, RowDecoder decoder, Activations.Format format) {
        // Quantized rows are whole blocks of 32 or 256, so c and count are whole blocks too.
        return new PanelKernel(format, (w, off, c, count, bits, dst) -> decoder.decode(w, off + type.bytesFor(c), count, dst, 0),
                null);
    }

    @Override
    boolean multipliesFloats() {
        return true;
    }

    /** Per-thread buffers: a widened row, the packed panel, a packed micro-tile of tokens, and a block's accumulators. */
    private static final class Scratch {
        final short[] bits = new short[KC];
        final float[] row = new float[KC];
        final float[] panel = new float[MC * KC];
        final float[] xs = new float[TT * KC];
        final int[] tokens = new int[TT];
        float[] acc = new float[0];

        float[] acc(int tokens) {
            int size = tokens / TT * TILE_ROW;
            if (acc.length < size) {
                acc = new float[size];
            }
            return acc;
        }
    }

    @Override
    void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations a, float[] out, int outOff, int stride) {
        int n = a.n;
        if (small != null && n < MIN_TOKENS) {
            small.rows(w, rowBytes, r0, r1, a, out, outOff, stride);
            return;
        }
        // Equal blocks, so that no block is left with a few rows or tokens to amortize a panel over.
        int mc = roundUp(Math.ceilDiv(r1 - r0, Math.ceilDiv(r1 - r0, MC)), TR);
        int nc = roundUp(Math.ceilDiv(n, Math.ceilDiv(n, NC)), TT);
        Scratch scratch = SCRATCH.get();
        float[] acc = scratch.acc(nc);
        for (int rb = r0; rb < r1; rb += mc) {
            for (int tb = 0; tb < n; tb += nc) {
                int mr = Math.min(mc, r1 - rb);
                int nt = Math.min(nc, n - tb);
                Arrays.fill(acc, 0, Math.ceilDiv(nt, TT) * TILE_ROW, 0f);
                for (int kb = 0; kb < (a.cols & ~7); kb += KC) {
                    block(w, rowBytes, rb, mr, a, tb, nt, kb, scratch);
                }
                finish(w, rowBytes, rb, mr, a, tb, nt, scratch, out, outOff, stride);
            }
        }
    }

    /** Adds columns [kb, kb + KC) of rows [rb, rb + mr) and tokens [tb, tb + nt) to the accumulators. */
    private void block(MemorySegment w, long rowBytes, int rb, int mr, Activations a, int tb, int nt, int kb, Scratch scratch) {
        int cols = a.cols;
        int chunks = Math.min(KC, (cols & ~7) - kb) / 8;
        float[] panel = scratch.panel;
        float[] xs = scratch.xs;
        float[] acc = scratch.acc;
        int groups = Math.ceilDiv(mr, TR);
        // Rows and tokens past the last are copies of it: their results land in slots that are never read.
        for (int i = 0; i < groups * TR; i++) {
            widener.widen(w, (rb + Math.min(i, mr - 1)) * rowBytes, kb, chunks * 8, scratch.bits, scratch.row);
            if (WIDE) {
                pack16(scratch.row, chunks, panel, i / TR * TR * KC + i % TR * 16);
            } else {
                pack(scratch.row, chunks, panel, i / TR * TR * KC + i % TR * 8);
            }
        }
        int[] tokens = scratch.tokens;
        for (int u = 0; u < Math.ceilDiv(nt, TT); u++) {
            for (int j = 0; j < TT; j++) {
                tokens[j] = (tb + Math.min(u * TT + j, nt - 1)) * cols + kb;
            }
            if (WIDE) {
                packTokens16(a.values, tokens, chunks, xs);
            } else {
                packTokens(a.values, tokens, chunks, xs);
            }
            for (int g = 0; g < groups; g++) {
                int s = u * TILE_ROW + g * 2 * TILE;
                if (WIDE) {
                    tile16(panel, g * TR * KC, xs, (chunks + 1) / 2, acc, s);
                } else {
                    tile(panel, g * TR * KC, xs, 0, (chunks + 1) / 2, acc, s);
                    tile(panel, g * TR * KC + TR * KC / 2, xs, TT * KC / 2, chunks / 2, acc, s + TILE);
                }
            }
        }
    }

    /**
     * Adds up the finished accumulators of rows [rb, rb + mr) and tokens [tb, tb + nt), with the scalar tails (the
     * columns past the last 8, widened once per row), into out.
     */
    private void finish(MemorySegment w, long rowBytes, int rb, int mr, Activations a, int tb, int nt, Scratch scratch,
            float[] out, int outOff, int stride) {
        int cols = a.cols;
        int body = cols & ~7;
        float[] x = a.values;
        float[] acc = scratch.acc;
        float[] tail = scratch.row;
        for (int u = 0; u < Math.ceilDiv(nt, TT); u++) {
            for (int g = 0; g < Math.ceilDiv(mr, TR); g++) {
                int s = u * TILE_ROW + g * 2 * TILE;
                for (int i = g * TR; i < Math.min(mr, g * TR + TR); i++) {
                    widener.widen(w, (rb + i) * rowBytes, body, cols - body, scratch.bits, tail);
                    for (int j = u * TT; j < Math.min(nt, u * TT + TT); j++) {
                        int xt = (tb + j) * cols;
                        float e = 0;
                        for (int c = body; c < cols; c++) {
                            e = Math.fma(tail[c - body], x[xt + c], e);
                        }
                        // The two chains' lanes of this row and token, added pairwise.
                        int k = j % TT * TR + i % TR;
                        int c0 = WIDE ? s + 16 * k : s + 8 * k;
                        int c1 = WIDE ? c0 + 8 : c0 + TILE;
                        FloatVector.fromArray(F, acc, c0).add(FloatVector.fromArray(F, acc, c1)).intoArray(acc, c0);
                        out[outOff + (tb + j) * stride + rb + i] = sum(acc, c0) + e;
                    }
                }
            }
        }
    }

    private static int roundUp(int a, int b) {
        return Math.ceilDiv(a, b) * b;
    }

    /**
     * Packs a widened row's {@code chunks} 8-float chunks into the panel at {@code d}: the even ones (the first
     * chain's) at panel[d + 24q ..] and the odd ones at panel[d + TR * KC / 2 + 24q ..], q being the chunk's index in
     * its chain; the micro-tile's other rows fill the 8-float gaps.
     */
    private static void pack(float[] row, int chunks, float[] panel, int d) {
        int odd = TR * KC / 2;
        int q = 0;
        // Two chunks per iteration: an index of the form (q & 1) * odd defeats C2's range-check elimination.
        for (; 2 * q + 1 < chunks; q++) {
            FloatVector.fromArray(F, row, 16 * q).intoArray(panel, d + TR * 8 * q);
            FloatVector.fromArray(F, row, 16 * q + 8).intoArray(panel, d + odd + TR * 8 * q);
        }
        if (2 * q < chunks) {
            FloatVector.fromArray(F, row, 16 * q).intoArray(panel, d + TR * 8 * q);
        }
    }

    /**
     * Packs the activations of a micro-tile's tokens, at x[tokens[j] ..], as {@link #pack} packs a panel's rows (even
     * chunks, then odd ones from xs[TT * KC / 2]). Reading all the tokens in one loop keeps as many streams of cache
     * misses in flight.
     */
    private static void packTokens(float[] x, int[] tokens, int chunks, float[] xs) {
        int odd = TT * KC / 2;
        for (int q = 0; q < chunks; q += 2) {
            int d = q / 2 * TT * 8;
            for (int j = 0; j < TT; j++) {
                FloatVector.fromArray(F, x, tokens[j] + 8 * q).intoArray(xs, d + 8 * j);
            }
            if (q + 1 < chunks) {
                for (int j = 0; j < TT; j++) {
                    FloatVector.fromArray(F, x, tokens[j] + 8 * q + 8).intoArray(xs, odd + d + 8 * j);
                }
            }
        }
    }

    /**
     * Packs a widened row's {@code chunks} 8-float chunks into the panel for {@link #tile16}: columns [16q, 16q + 16)
     * at panel[d + 16 TR q ..], the micro-tile's other rows filling the gaps; an odd last chunk is padded with zeros
     * (which leave its second-chain lanes as they are: accumulators that start at +0 never hold -0).
     */
    private static void pack16(float[] row, int chunks, float[] panel, int d) {
        int q = 0;
        for (; 2 * q + 1 < chunks; q++) {
            FloatVector.fromArray(F512, row, 16 * q).intoArray(panel, d + TR * 16 * q);
        }
        if (2 * q < chunks) {
            FloatVector.fromArray(F, row, 16 * q).intoArray(panel, d + TR * 16 * q);
            Arrays.fill(panel, d + TR * 16 * q + 8, d + TR * 16 * q + 16, 0f);
        }
    }

    /** Packs the activations of a micro-tile's tokens, at x[tokens[j] ..], as {@link #pack16} packs rows. */
    private static void packTokens16(float[] x, int[] tokens, int chunks, float[] xs) {
        int q = 0;
        for (; 2 * q + 1 < chunks; q++) {
            for (int j = 0; j < TT; j++) {
                FloatVector.fromArray(F512, x, tokens[j] + 16 * q).intoArray(xs, TT * 16 * q + 16 * j);
            }
        }
        if (2 * q < chunks) {
            for (int j = 0; j < TT; j++) {
                FloatVector.fromArray(F, x, tokens[j] + 16 * q).intoArray(xs, TT * 16 * q + 16 * j);
                Arrays.fill(xs, TT * 16 * q + 16 * j + 8, TT * 16 * q + 16 * j + 16, 0f);
            }
        }
    }

    /**
     * Both chains of 4 rows x {@value #TT} tokens over {@code steps} steps of 16 columns, lanes 0-7 of each
     * vector being the first chain's and 8-15 the second's: the packed panel holds each step's columns of the rows side
     * by side at p[pOff + 64k ..], the packed activations the tokens' at xs[96k ..]; the accumulators of row r and
     * token t are at acc[s + (4t + r) * 16 ..].
     */
    private static void tile16(float[] p, int pOff, float[] xs, int steps, float[] acc, int s) {
        FloatVector c00 = FloatVector.fromArray(F512, acc, s), c10 = FloatVector.fromArray(F512, acc, s + 16);
        FloatVector c20 = FloatVector.fromArray(F512, acc, s + 32), c30 = FloatVector.fromArray(F512, acc, s + 48);
        FloatVector c01 = FloatVector.fromArray(F512, acc, s + 64), c11 = FloatVector.fromArray(F512, acc, s + 80);
        FloatVector c21 = FloatVector.fromArray(F512, acc, s + 96), c31 = FloatVector.fromArray(F512, acc, s + 112);
        FloatVector c02 = FloatVector.fromArray(F512, acc, s + 128), c12 = FloatVector.fromArray(F512, acc, s + 144);
        FloatVector c22 = FloatVector.fromArray(F512, acc, s + 160), c32 = FloatVector.fromArray(F512, acc, s + 176);
        FloatVector c03 = FloatVector.fromArray(F512, acc, s + 192), c13 = FloatVector.fromArray(F512, acc, s + 208);
        FloatVector c23 = FloatVector.fromArray(F512, acc, s + 224), c33 = FloatVector.fromArray(F512, acc, s + 240);
        FloatVector c04 = FloatVector.fromArray(F512, acc, s + 256), c14 = FloatVector.fromArray(F512, acc, s + 272);
        FloatVector c24 = FloatVector.fromArray(F512, acc, s + 288), c34 = FloatVector.fromArray(F512, acc, s + 304);
        FloatVector c05 = FloatVector.fromArray(F512, acc, s + 320), c15 = FloatVector.fromArray(F512, acc, s + 336);
        FloatVector c25 = FloatVector.fromArray(F512, acc, s + 352), c35 = FloatVector.fromArray(F512, acc, s + 368);
        for (int k = 0; k < steps; k++) {
            int pk = pOff + 64 * k;
            int xk = 96 * k;
            FloatVector w0 = FloatVector.fromArray(F512, p, pk);
            FloatVector w1 = FloatVector.fromArray(F512, p, pk + 16);
            FloatVector w2 = FloatVector.fromArray(F512, p, pk + 32);
            FloatVector w3 = FloatVector.fromArray(F512, p, pk + 48);
            FloatVector v = FloatVector.fromArray(F512, xs, xk);
            c00 = w0.fma(v, c00);
            c10 = w1.fma(v, c10);
            c20 = w2.fma(v, c20);
            c30 = w3.fma(v, c30);
            v = FloatVector.fromArray(F512, xs, xk + 16);
            c01 = w0.fma(v, c01);
            c11 = w1.fma(v, c11);
            c21 = w2.fma(v, c21);
            c31 = w3.fma(v, c31);
            v = FloatVector.fromArray(F512, xs, xk + 32);
            c02 = w0.fma(v, c02);
            c12 = w1.fma(v, c12);
            c22 = w2.fma(v, c22);
            c32 = w3.fma(v, c32);
            v = FloatVector.fromArray(F512, xs, xk + 48);
            c03 = w0.fma(v, c03);
            c13 = w1.fma(v, c13);
            c23 = w2.fma(v, c23);
            c33 = w3.fma(v, c33);
            v = FloatVector.fromArray(F512, xs, xk + 64);
            c04 = w0.fma(v, c04);
            c14 = w1.fma(v, c14);
            c24 = w2.fma(v, c24);
            c34 = w3.fma(v, c34);
            v = FloatVector.fromArray(F512, xs, xk + 80);
            c05 = w0.fma(v, c05);
            c15 = w1.fma(v, c15);
            c25 = w2.fma(v, c25);
            c35 = w3.fma(v, c35);
        }
        c00.intoArray(acc, s);
        c10.intoArray(acc, s + 16);
        c20.intoArray(acc, s + 32);
        c30.intoArray(acc, s + 48);
        c01.intoArray(acc, s + 64);
        c11.intoArray(acc, s + 80);
        c21.intoArray(acc, s + 96);
        c31.intoArray(acc, s + 112);
        c02.intoArray(acc, s + 128);
        c12.intoArray(acc, s + 144);
        c22.intoArray(acc, s + 160);
        c32.intoArray(acc, s + 176);
        c03.intoArray(acc, s + 192);
        c13.intoArray(acc, s + 208);
        c23.intoArray(acc, s + 224);
        c33.intoArray(acc, s + 240);
        c04.intoArray(acc, s + 256);
        c14.intoArray(acc, s + 272);
        c24.intoArray(acc, s + 288);
        c34.intoArray(acc, s + 304);
        c05.intoArray(acc, s + 320);
        c15.intoArray(acc, s + 336);
        c25.intoArray(acc, s + 352);
        c35.intoArray(acc, s + 368);
    }

    /**
     * One chain (even or odd chunks) of 2 rows x {@value #TT} tokens over {@code steps} chunks (256-bit): the
     * packed panel holds each step's chunk of the rows side by side at p[pOff + 16k ..], the packed activations
     * the tokens' at xs[xOff + 48k ..]; the accumulators of row r and token t are at acc[s + (2t + r) * 8 ..].
     */
    private static void tile(float[] p, int pOff, float[] xs, int xOff, int steps, float[] acc, int s) {
        FloatVector c00 = FloatVector.fromArray(F, acc, s), c10 = FloatVector.fromArray(F, acc, s + 8);
        FloatVector c01 = FloatVector.fromArray(F, acc, s + 16), c11 = FloatVector.fromArray(F, acc, s + 24);
        FloatVector c02 = FloatVector.fromArray(F, acc, s + 32), c12 = FloatVector.fromArray(F, acc, s + 40);
        FloatVector c03 = FloatVector.fromArray(F, acc, s + 48), c13 = FloatVector.fromArray(F, acc, s + 56);
        FloatVector c04 = FloatVector.fromArray(F, acc, s + 64), c14 = FloatVector.fromArray(F, acc, s + 72);
        FloatVector c05 = FloatVector.fromArray(F, acc, s + 80), c15 = FloatVector.fromArray(F, acc, s + 88);
        for (int k = 0; k < steps; k++) {
            int pk = pOff + TR * 8 * k;
            int xk = xOff + TT * 8 * k;
            FloatVector w0 = FloatVector.fromArray(F, p, pk);
            FloatVector w1 = FloatVector.fromArray(F, p, pk + 8);
            FloatVector v = FloatVector.fromArray(F, xs, xk);
            c00 = w0.fma(v, c00);
            c10 = w1.fma(v, c10);
            v = FloatVector.fromArray(F, xs, xk + 8);
            c01 = w0.fma(v, c01);
            c11 = w1.fma(v, c11);
            v = FloatVector.fromArray(F, xs, xk + 16);
            c02 = w0.fma(v, c02);
            c12 = w1.fma(v, c12);
            v = FloatVector.fromArray(F, xs, xk + 24);
            c03 = w0.fma(v, c03);
            c13 = w1.fma(v, c13);
            v = FloatVector.fromArray(F, xs, xk + 32);
            c04 = w0.fma(v, c04);
            c14 = w1.fma(v, c14);
            v = FloatVector.fromArray(F, xs, xk + 40);
            c05 = w0.fma(v, c05);
            c15 = w1.fma(v, c15);
        }
        c00.intoArray(acc, s);
        c10.intoArray(acc, s + 8);
        c01.intoArray(acc, s + 16);
        c11.intoArray(acc, s + 24);
        c02.intoArray(acc, s + 32);
        c12.intoArray(acc, s + 40);
        c03.intoArray(acc, s + 48);
        c13.intoArray(acc, s + 56);
        c04.intoArray(acc, s + 64);
        c14.intoArray(acc, s + 72);
        c05.intoArray(acc, s + 80);
        c15.intoArray(acc, s + 88);
    }
}
