package dev.gemmaspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Way (a) of the issue for quantized models: exact F32 arithmetic on the exactly dequantized weights
 * (no activation rounding, exact GELU) matches llama.cpp's {@code dequant_f32_exact_gelu} reference,
 * which tests the dequantizers and the forward pass apart from llama.cpp's activation quantization.
 */
class DequantizedExactTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "gemma3n-tiny6q-tinyvocab-Q8_0, p1_story", "gemma3n-tiny6q-tinyvocab-Q8_0, p3_long",
        "gemma3n-tiny6q-tinyvocab-Q4_0, p1_story", "gemma3n-tiny6q-tinyvocab-Q4_0, p3_long",
        "gemma3n-tiny6q-tinyvocab-Q4_K_M, p1_story", "gemma3n-tiny6q-tinyvocab-Q4_K_M, p3_long"})
    void promptLogitsMatchTheDequantizedF32Reference(String name, String pid) {
        String base = "refs/" + name + "/variants/" + pid + ".dequant_f32_exact_gelu";
        int[] prompt = Golden.ints(Golden.json(base + ".json").get("prompt_tokens"));
        float[] ref = Golden.npy(base + ".prompt_logits.npy");
        try (GGUFFile file = GGUFFile.open(Golden.model(name)); ThreadPool pool = new ThreadPool(2)) {
            Gemma3nModel model = new Gemma3nModel(file, 256, ActivationRounding.NONE);
            ForwardPass pass = new ForwardPass(model, pool, prompt.length, true);
            ForwardBatch batch = new ForwardBatch(prompt.length);
            float[] logits = new float[prompt.length * model.config().vocabSize()];
            try (KVCache cache = new KVCache(model.config(), 256, prompt.length)) {
                for (int i = 0; i < prompt.length; i++) {
                    batch.add(prompt[i], i, cache, true);
                }
                pass.forward(batch, logits);
            }
            float diff = Golden.maxAbsDiff(logits, 0, ref, 0, ref.length);
            assertTrue(diff < 2e-3f, "max |logit - llama.cpp dequant_f32_exact_gelu| = " + diff);
        }
    }
}
