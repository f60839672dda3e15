package dev.gemmaspark.engine.model;

import static dev.gemmaspark.engine.model.Gemma3nConfig.ALTUP_STREAMS;
import static dev.gemmaspark.engine.model.Gemma3nConfig.LAUREL_RANK;
import static dev.gemmaspark.engine.model.Gemma3nConfig.PER_LAYER_DIM;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import java.util.Arrays;

/**
 * The tensors of a Gemma 3n text decoder, bound to their slices of the mapped GGUF file with the shapes
 * checked. Matrices stay off-heap; only norm vectors and the tiny AltUp coefficient matrices are copied
 * to the heap (F32).
 */
public final class Gemma3nWeights {

    /** The tensors of one decoder layer; names are llama.cpp's ({@code blk.N.*}). */
    public record Layer(
            float[] attnNorm, WeightMatrix attnQ, WeightMatrix attnK, WeightMatrix attnV, WeightMatrix attnOutput,
            float[] attnQNorm, float[] attnKNorm, float[] postAttentionNorm,
            float[] ffnNorm, WeightMatrix ffnGate, WeightMatrix ffnUp, WeightMatrix ffnDown, float[] postFfwNorm,
            WeightMatrix inpGate, WeightMatrix proj, float[] postNorm,
            float[] altupCorrectCoef, float[] altupCorrectScale, float[] altupPredictCoef,
            WeightMatrix altupRouter, float[] altupRouterNorm,
            WeightMatrix laurelL, WeightMatrix laurelR, float[] laurelPostNorm) {
    }

    public final WeightMatrix tokenEmbd;
    public final WeightMatrix perLayerTokenEmbd;
    public final WeightMatrix perLayerModelProj;
    public final float[] perLayerProjNorm;
    /** The three AltUp projections of streams 1..3 (slices of {@code altup_proj}). */
    public final WeightMatrix[] altupProj;
    public final WeightMatrix[] altupUnembdProj;
    public final float[] outputNorm;
    /** The output projection: {@code output.weight} if present, else tied to {@code token_embd}. */
    public final WeightMatrix output;
    public final Layer[] layers;

    public Gemma3nWeights(GGUFFile file, Gemma3nConfig c, ActivationRounding rounding) {
        Binder b = new Binder(file, rounding);
        int d = c.nEmbd();
        int v = c.vocabSize();
        int lp = c.nLayer() * PER_LAYER_DIM;
        tokenEmbd = b.matrix("token_embd.weight", d, v);
        perLayerTokenEmbd = b.rowTable("per_layer_token_embd.weight", lp, v);
        perLayerModelProj = b.matrix("per_layer_model_proj.weight", d, lp);
        perLayerProjNorm = b.vector("per_layer_proj_norm.weight", PER_LAYER_DIM);
        altupProj = b.stacked("altup_proj.weight", d, d, ALTUP_STREAMS - 1);
        altupUnembdProj = b.stacked("altup_unembd_proj.weight", d, d, ALTUP_STREAMS - 1);
        outputNorm = b.vector("output_norm.weight", d);
        output = file.tensorOrNull("output.weight") != null ? b.matrix("output.weight", d, v) : tokenEmbd;

        int q = c.qDim();
        int kv = c.kvDim();
        int f = c.nFF();
        layers = new Layer[c.nLayer()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    b.vector(p + "attn_norm.weight", d),
                    b.matrix(p + "attn_q.weight", d, q),
                    b.matrix(p + "attn_k.weight", d, kv),
                    b.matrix(p + "attn_v.weight", d, kv),
                    b.matrix(p + "attn_output.weight", q, d),
                    b.vector(p + "attn_q_norm.weight", c.headDim()),
                    b.vector(p + "attn_k_norm.weight", c.headDim()),
                    b.vector(p + "post_attention_norm.weight", d),
                    b.vector(p + "ffn_norm.weight", d),
                    b.matrix(p + "ffn_gate.weight", d, f),
                    b.matrix(p + "ffn_up.weight", d, f),
                    b.matrix(p + "ffn_down.weight", f, d),
                    b.vector(p + "post_ffw_norm.weight", d),
                    b.matrix(p + "inp_gate.weight", d, PER_LAYER_DIM),
                    b.matrix(p + "proj.weight", PER_LAYER_DIM, d),
                    b.vector(p + "post_norm.weight", d),
                    b.small(p + "altup_correct_coef.weight", ALTUP_STREAMS, ALTUP_STREAMS),
                    b.vector(p + "altup_correct_scale.weight", d),
                    b.small(p + "altup_predict_coef.weight", ALTUP_STREAMS, ALTUP_STREAMS * ALTUP_STREAMS),
                    b.matrix(p + "altup_router.weight", d, ALTUP_STREAMS),
                    b.vector(p + "altup_router_norm.weight", d),
                    b.matrix(p + "laurel_l.weight", d, LAUREL_RANK),
                    b.matrix(p + "laurel_r.weight", LAUREL_RANK, d),
                    b.vector(p + "laurel_post_norm.weight", d));
        }
    }

    /** Looks tensors up by name and checks their ggml shape ({@code ne}, contiguous dimension first). */
    private record Binder(GGUFFile file, ActivationRounding rounding) {

        TensorInfo shaped(String name, long... ne) {
            TensorInfo t = file.tensor(name);
            long[] actual = new long[Math.max(ne.length, t.ne().length)];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = t.dim(i);
            }
            long[] expected = Arrays.copyOf(ne, actual.length);
            for (int i = ne.length; i < expected.length; i++) {
                expected[i] = 1;
            }
            if (!Arrays.equals(actual, expected)) {
                throw file.error("tensor '" + name + "' has shape " + t.shape() + ", expected "
                        + Arrays.toString(ne));
            }
            return t;
        }

        /** A matrix of ggml shape [cols, rows]. */
        WeightMatrix matrix(String name, int cols, int rows) {
            TensorInfo t = shaped(name, cols, rows);
            return WeightMatrix.of(name, t.type(), t.data(), rows, cols, rounding);
        }

        /** A matrix only ever read a row at a time (an embedding table), kept in place in the file. */
        WeightMatrix rowTable(String name, int cols, int rows) {
            TensorInfo t = shaped(name, cols, rows);
            return WeightMatrix.rowTable(name, t.type(), t.data(), rows, cols);
        }

        /** {@code count} matrices stacked along the third dimension (ggml shape [cols, rows, count]). */
        WeightMatrix[] stacked(String name, int cols, int rows, int count) {
            TensorInfo t = shaped(name, cols, rows, count);
            long sliceBytes = t.byteSize() / count;
            WeightMatrix[] out = new WeightMatrix[count];
            for (int s = 0; s < count; s++) {
                out[s] = WeightMatrix.of(name + "[" + s + "]", t.type(), t.data().asSlice(s * sliceBytes, sliceBytes),
                        rows, cols, rounding);
            }
            return out;
        }

        /** A vector of {@code n} values, copied to the heap as F32. */
        float[] vector(String name, int n) {
            return small(name, n, 1);
        }

        /** A small matrix of ggml shape [cols, rows], copied to the heap row-major as F32. */
        float[] small(String name, int cols, int rows) {
            TensorInfo t = rows == 1 ? shaped(name, cols) : shaped(name, cols, rows);
            WeightMatrix m = WeightMatrix.of(name, t.type(), t.data(), rows, cols, rounding);
            float[] out = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                m.dequantizeRow(r, out, r * cols);
            }
            return out;
        }
    }
}
