package dev.gemmaspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every intermediate tensor of one prompt against llama.cpp's dump (exact-GELU build, F32 models), so a
 * regression points at its layer and step.
 */
class LayerTensorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"gemma3n-tiny6-tinyvocab-f32", "gemma3n-tiny25-tinyvocab-f32"})
    void intermediateTensorsMatchLlamaCpp(String name) {
        int[] prompt = Golden.ints(Golden.json("refs/" + name + "/p1_story.json").get("prompt_tokens"));
        Map<String, float[]> seen = new LinkedHashMap<>();
        try (GGUFFile file = GGUFFile.open(Golden.model(name)); ThreadPool pool = new ThreadPool(2)) {
            Gemma3nModel model = new Gemma3nModel(file, 256, ActivationRounding.NONE);
            ForwardPass pass = new ForwardPass(model, pool, prompt.length, true);
            pass.setObserver((n, data, off, len) -> {
                float[] copy = new float[len];
                System.arraycopy(data, off, copy, 0, len);
                seen.put(n, copy);
            });
            try (KVCache cache = new KVCache(model.config(), 256, prompt.length)) {
                ForwardBatch batch = new ForwardBatch(prompt.length);
                for (int i = 0; i < prompt.length; i++) {
                    batch.add(prompt[i], i, cache, true);
                }
                float[] logits = new float[prompt.length * model.config().vocabSize()];
                pass.forward(batch, logits);
                seen.put("result_output", logits);
            }
        }
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (Map.Entry<String, float[]> e : seen.entrySet()) {
            String file = "refs/" + name + "/tensors_exact_gelu/p1_story." + e.getKey() + ".npy";
            float[] ref;
            try {
                ref = Golden.npy(file);
            } catch (IllegalArgumentException missing) {
                continue;
            }
            compared++;
            assertEquals(ref.length, e.getValue().length, e.getKey() + " size");
            float diff = Golden.maxAbsDiff(ref, 0, e.getValue(), 0, ref.length);
            float scale = Math.max(1f, Golden.maxAbs(ref));
            if (diff > 1e-4f * scale) {
                failures.add(e.getKey() + ": max |diff| " + diff + " (max |ref| " + Golden.maxAbs(ref) + ")");
            }
        }
        assertTrue(compared > 20, "compared only " + compared + " tensors");
        assertTrue(failures.isEmpty(), "tensors off llama.cpp's:\n" + String.join("\n", failures));
    }
}
