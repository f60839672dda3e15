package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.gguf.GGMLType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The real-size presets, checked against the shapes of spec tables 4.1 / 4.2 and llama-quantize's Q4_K_M rule. */
class GemmaLayoutTest {

    private static Map<String, TensorSpec> byName(Preset p) {
        return GemmaLayout.tensors(p, p.vocabSize).stream()
                .collect(Collectors.toMap(TensorSpec::name, Function.identity()));
    }

    @Test
    void e2bHasTheShapesOfSpecSection4() {
        Map<String, TensorSpec> t = byName(Preset.E2B);
        assertEquals(7 + 24 * 30, t.size());
        assertArrayEquals(new long[] {2048, 262400}, t.get("token_embd.weight").ne());
        assertArrayEquals(new long[] {7680, 262400}, t.get("per_layer_token_embd.weight").ne());
        assertArrayEquals(new long[] {2048, 7680}, t.get("per_layer_model_proj.weight").ne());
        assertArrayEquals(new long[] {2048, 2048, 3}, t.get("altup_unembd_proj.weight").ne());
        assertArrayEquals(new long[] {2048, 2048}, t.get("blk.29.attn_q.weight").ne());
        assertArrayEquals(new long[] {2048, 512}, t.get("blk.29.attn_v.weight").ne());
        assertArrayEquals(new long[] {2048, 2048}, t.get("blk.0.attn_output.weight").ne());
        assertArrayEquals(new long[] {8192, 2048}, t.get("blk.7.ffn_down.weight").ne());
        assertArrayEquals(new long[] {2048, 256}, t.get("blk.7.inp_gate.weight").ne());
        assertArrayEquals(new long[] {256, 2048}, t.get("blk.7.proj.weight").ne());
        assertArrayEquals(new long[] {256}, t.get("blk.7.attn_k_norm.weight").ne());
        assertArrayEquals(new long[] {4, 16}, t.get("blk.7.altup_predict_coef.weight").ne());
        assertArrayEquals(new long[] {2048, 4}, t.get("blk.7.altup_router.weight").ne());
        assertArrayEquals(new long[] {64, 2048}, t.get("blk.7.laurel_r.weight").ne());
        // The converter pads HF's 262144 per-layer embedding rows with zero rows.
        assertEquals(new Draw.Normal(0, GemmaLayout.MATRIX_STD, 262144), t.get("per_layer_token_embd.weight").draw());
        assertEquals(Long.MAX_VALUE, ((Draw.Normal) t.get("token_embd.weight").draw()).zeroRowsFrom());
    }

    @Test
    void e4bDiffersFromE2bInLayersAndFfnWidth() {
        Map<String, TensorSpec> t = byName(Preset.E4B);
        assertEquals(7 + 24 * 35, t.size());
        assertArrayEquals(new long[] {8960, 262400}, t.get("per_layer_token_embd.weight").ne());
        assertArrayEquals(new long[] {2048, 16384}, t.get("blk.34.ffn_gate.weight").ne());
    }

    @Test
    void q4KMGivesQ6KToAttnVAndFfnDownInTheLayersLlamaQuantizeChooses() {
        // use_more_bits for 30 layers: i < 3, i >= 26, or (i - 3) % 3 == 2.
        List<Integer> want = List.of(0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29);
        for (String kind : List.of("attn_v", "ffn_down")) {
            List<Integer> q6 = IntStream.range(0, 30).filter(l -> QuantPolicy.tensorType(GGMLType.Q4_K,
                    "blk." + l + "." + kind + ".weight", 2, l, 30) == GGMLType.Q6_K).boxed().toList();
            assertEquals(want, q6, kind);
        }
        assertEquals(GGMLType.Q4_K, QuantPolicy.tensorType(GGMLType.Q4_K, "blk.5.attn_k.weight", 2, 5, 30));
        assertEquals(GGMLType.Q6_K, QuantPolicy.tensorType(GGMLType.Q4_K, "per_layer_token_embd.weight", 2, -1, 30));
        assertEquals(GGMLType.F32, QuantPolicy.tensorType(GGMLType.Q4_K, "per_layer_model_proj.weight", 2, -1, 30));
    }
}
