package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request's output does not depend on what else is in the batch, on its place in it, or on the
 * thread count: greedy tokens and seeded samples are identical alone and among 63 others.
 */
class BatchInvarianceTest {
    private static final String MODEL = "gemma3n-tiny6q-tinyvocab-Q4_K_M";

    private static List<GenerationRequest> requests(int n, SamplingParams params) {
        String[] words = {"The quick brown fox", "Once upon a time", "What is the capital of France?",
            "Little Red Riding Hood went to the forest", "Hi", "A village near the forest"};
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = words[i % words.length] + " " + i;
            out.add(GenerationRequest.chat(prompt, params.withMaxTokens(6 + i % 7).withSeed(1000 + i)));
        }
        return out;
    }

    private static GemmaModel load(int threads, int maxSequences, int batchTokens) {
        return GemmaModel.load(Golden.model(MODEL), EngineOptions.defaults().withThreads(threads)
                .withContextLength(256).withMaxSequences(maxSequences).withBatchTokens(batchTokens));
    }

    @Test
    void greedyAndSeededOutputsAreTheSameAloneAndInABatchOf64() {
        SamplingParams greedy = SamplingParams.GREEDY;
        SamplingParams sampled = new SamplingParams(8, 0.9f, 40, 0.95f, 0.05f, 1.1f, 0, List.of());
        List<GenerationRequest> all = new ArrayList<>(requests(32, greedy));
        all.addAll(requests(32, sampled));
        List<GenerationResult> alone = new ArrayList<>();
        try (GemmaModel one = load(1, 1, 8)) {
            for (GenerationRequest r : all) {
                alone.add(one.generate(r));
            }
        }
        List<GenerationResult> batched;
        try (GemmaModel many = load(2, 64, 96)) {
            batched = many.generateAll(all);
        }
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(alone.get(i).tokens(), batched.get(i).tokens(), "request " + i);
            assertEquals(alone.get(i).text(), batched.get(i).text(), "request " + i);
        }
        // the sampled half really samples: it differs from greedy on at least one request
        int differing = 0;
        for (int i = 0; i < 32; i++) {
            if (!java.util.Arrays.equals(alone.get(i).tokens(), alone.get(32 + i).tokens())) {
                differing++;
            }
        }
        assertNotEquals(0, differing);
    }

    @Test
    void logitsAreBitIdenticalAcrossThreadCounts() {
        int[] tokens = Golden.ints(Golden.json("refs/" + MODEL + "/p3_long.json").get("prompt_tokens"));
        float[] a;
        float[] b;
        try (GemmaModel m = load(1, 1, 8)) {
            a = m.logits(tokens);
        }
        try (GemmaModel m = load(2, 4, 64)) {
            b = m.logits(tokens);
        }
        assertArrayEquals(a, b);
    }

    /**
     * Float weights: logits are computed in chunks of 16 positions, which go through the panel kernel (see
     * PanelKernel), but the last chunk of a 20- or 37-token prefix (4 or 5 positions) goes through the tile
     * kernels. Every row of the prefix's logits is bit-identical to the same row computed for the whole prompt, with
     * 1 thread or 2.
     */
    @Test
    void floatWeightLogitsAreBitIdenticalThroughTileAndPanelKernels() {
        String model = "gemma3n-tiny6-tinyvocab-f32";
        int[] tokens = Golden.ints(Golden.json("refs/" + model + "/p3_long.json").get("prompt_tokens"));
        float[] whole;
        try (GemmaModel m = GemmaModel.load(Golden.model(model), EngineOptions.defaults().withThreads(2).withContextLength(256))) {
            whole = m.logits(tokens);
        }
        try (GemmaModel m = GemmaModel.load(Golden.model(model), EngineOptions.defaults().withThreads(1).withContextLength(256))) {
            int vocab = m.config().vocabSize();
            for (int prefix : new int[] {20, 37}) {
                float[] part = m.logits(Arrays.copyOf(tokens, prefix));
                assertArrayEquals(Arrays.copyOf(whole, prefix * vocab), part, "first " + prefix + " positions");
            }
        }
    }
}
