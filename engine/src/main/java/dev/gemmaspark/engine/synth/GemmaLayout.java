package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.model.Gemma3nConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a Gemma 3n text model in the order llama.cpp's converter writes them (spec section 4), with the
 * random initialisation of the golden test models: matrices N(0, 0.02), {@code token_embd} N(0, 1/sqrt(n_embd)),
 * norm weights and {@code altup_correct_scale} 1 + N(0, 0.05), {@code altup_router} N(0, 1), AltUp coefficients
 * N(0, 0.5).
 */
final class GemmaLayout {
    static final double MATRIX_STD = 0.02;
    static final double NORM_STD = 0.05;
    static final double ROUTER_STD = 1.0;
    static final double COEF_STD = 0.5;

    private final List<TensorSpec> tensors = new ArrayList<>();

    private GemmaLayout() {
    }

    /** Every tensor of {@code preset} with a vocabulary of {@code vocabSize} tokens. */
    static List<TensorSpec> tensors(Preset p, int vocabSize) {
        final int pl = Gemma3nConfig.PER_LAYER_DIM;
        final int altup = Gemma3nConfig.ALTUP_STREAMS;
        GemmaLayout t = new GemmaLayout();
        long d = p.embd;
        long q = (long) p.heads * p.headDim;
        long kv = (long) p.kvHeads * p.headDim;
        t.gaussian("token_embd.weight", -1, 1 / Math.sqrt(p.embd), d, vocabSize);
        t.tensors.add(new TensorSpec("per_layer_token_embd.weight", new long[] {(long) p.layers * pl, vocabSize}, -1,
                new Draw.Normal(0, MATRIX_STD, p.perLayerEmbeddedTokens)));
        t.matrix("per_layer_model_proj.weight", -1, d, (long) p.layers * pl);
        t.norm("per_layer_proj_norm.weight", -1, pl);
        t.matrix("altup_proj.weight", -1, d, d, altup - 1);
        t.matrix("altup_unembd_proj.weight", -1, d, d, altup - 1);
        t.norm("output_norm.weight", -1, d);
        for (int l = 0; l < p.layers; l++) {
            String b = "blk." + l + ".";
            t.norm(b + "attn_norm.weight", l, d);
            t.matrix(b + "attn_q.weight", l, d, q);
            t.matrix(b + "attn_k.weight", l, d, kv);
            t.matrix(b + "attn_v.weight", l, d, kv);
            t.matrix(b + "attn_output.weight", l, q, d);
            t.norm(b + "attn_q_norm.weight", l, p.headDim);
            t.norm(b + "attn_k_norm.weight", l, p.headDim);
            t.norm(b + "post_attention_norm.weight", l, d);
            t.norm(b + "ffn_norm.weight", l, d);
            t.matrix(b + "ffn_gate.weight", l, d, p.ffn);
            t.matrix(b + "ffn_up.weight", l, d, p.ffn);
            t.matrix(b + "ffn_down.weight", l, p.ffn, d);
            t.norm(b + "post_ffw_norm.weight", l, d);
            t.matrix(b + "inp_gate.weight", l, d, pl);
            t.matrix(b + "proj.weight", l, pl, d);
            t.norm(b + "post_norm.weight", l, d);
            t.gaussian(b + "altup_correct_coef.weight", l, COEF_STD, altup, altup);
            t.norm(b + "altup_correct_scale.weight", l, d);
            t.gaussian(b + "altup_predict_coef.weight", l, COEF_STD, altup, (long) altup * altup);
            t.gaussian(b + "altup_router.weight", l, ROUTER_STD, d, altup);
            t.norm(b + "altup_router_norm.weight", l, d);
            t.matrix(b + "laurel_l.weight", l, d, Gemma3nConfig.LAUREL_RANK);
            t.matrix(b + "laurel_r.weight", l, Gemma3nConfig.LAUREL_RANK, d);
            t.norm(b + "laurel_post_norm.weight", l, d);
        }
        return List.copyOf(t.tensors);
    }

    private void matrix(String name, int layer, long... ne) {
        gaussian(name, layer, MATRIX_STD, ne);
    }

    private void gaussian(String name, int layer, double std, long... ne) {
        tensors.add(new TensorSpec(name, ne, layer, new Draw.Normal(0, std, Long.MAX_VALUE)));
    }

    private void norm(String name, int layer, long n) {
        tensors.add(new TensorSpec(name, new long[] {n}, layer, new Draw.Normal(1, NORM_STD, Long.MAX_VALUE)));
    }
}
