package dev.gemmaspark.engine.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.Golden;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OpenClParityTest {

    @Test
    void smoke() {
        OpenClPlatform.assume();
        String model = "gemma3n-tiny6-tinyvocab-f32";
        String base = "refs/" + model + "/variants/p1_story.exact_gelu";
        JsonNode json = Golden.json(base + ".json");
        int[] prompt = Golden.ints(json.get("prompt_tokens"));
        float[] ref = Golden.npy(base + ".prompt_logits.npy");
        try (GemmaModel m = GemmaModel.load(Golden.model(model), EngineOptions.defaults().withThreads(2)
                .withContextLength(256).withExactGelu(true).withDevice("opencl"))) {
            float[] ours = m.logits(prompt);
            float diff = Golden.maxAbsDiff(ours, 0, ref, 0, ours.length);
            System.out.println("diff " + diff + " " + Arrays.toString(Arrays.copyOf(ours, 5)) + " "
                    + Arrays.toString(Arrays.copyOf(ref, 5)));
            assertTrue(diff < 1e-3f, "diff " + diff);
        }
    }
}
