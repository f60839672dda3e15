package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
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

    /**
     * Chat requests sharing a system prompt far longer than the sliding window: the same greedy and sampled outputs
     * alone without the prefix cache, alone with it (each copying what the ones before kept) and in one batch with it
     * (the first computing the shared blocks, the others waiting to copy them). The context's counters add up to
     * the prompts' tokens.
     */
    @Test
    void outputsAreTheSameWithAndWithoutThePrefixCache() {
        String system = "You are a careful assistant. Answer in one short sentence, in plain words, and never"
                + " repeat the question. Stories are about the forest, the village and the fox, who lives by the river"
                + " and never sleeps.";
        SamplingParams sampled = new SamplingParams(8, 0.9f, 40, 0.95f, 0.05f, 1.1f, 0, List.of());
        List<GenerationRequest> all = new ArrayList<>();
        for (GenerationRequest r : requests(12, SamplingParams.GREEDY)) {
            all.add(GenerationRequest.chat(List.of(ChatMessage.system(system), r.messages().getFirst()), r.params()));
        }
        for (GenerationRequest r : requests(12, sampled)) {
            all.add(GenerationRequest.chat(List.of(ChatMessage.system(system), r.messages().getFirst()), r.params()));
        }
        List<GenerationResult> reference = new ArrayList<>();
        int common = Integer.MAX_VALUE;
        try (GemmaModel m = GemmaModel.load(Golden.model(MODEL), EngineOptions.defaults().withThreads(1)
                .withContextLength(256).withMaxSequences(1).withBatchTokens(8).withPrefixCacheMB(0))) {
            int[] first = m.promptTokens(all.getFirst());
            for (GenerationRequest r : all) {
                reference.add(m.generate(r));
                int[] p = m.promptTokens(r);
                int differ = Arrays.mismatch(first, p);
                common = Math.min(common, differ < 0 ? p.length : differ);
            }
            assertEquals(0, m.cachedPromptTokens());
        }
        // whole blocks of 16 positions; past the window (16) and the batched context's rings (16 + 64 slots)
        int shared = common / 16 * 16;
        assertTrue(shared > 80, "shared prefix of " + shared);
        List<GenerationResult> alone = new ArrayList<>();
        List<GenerationResult> batched;
        try (GemmaModel m = load(1, 1, 8)) {
            for (GenerationRequest r : all) {
                alone.add(m.generate(r));
            }
        }
        try (GemmaModel m = load(2, 16, 64)) {
            batched = m.generateAll(all);
            long prompts = batched.stream().mapToLong(GenerationResult::promptTokenCount).sum();
            long cached = batched.stream().mapToLong(GenerationResult::cachedPromptTokens).sum();
            assertEquals(prompts, m.computedPromptTokens() + m.cachedPromptTokens());
            assertEquals(cached, m.cachedPromptTokens());
            assertTrue(m.prefixCacheBytes() > 0);
        }
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(reference.get(i).tokens(), alone.get(i).tokens(), "request " + i);
            assertArrayEquals(reference.get(i).tokens(), batched.get(i).tokens(), "request " + i);
            assertEquals(reference.get(i).text(), batched.get(i).text(), "request " + i);
            assertEquals(0, reference.get(i).cachedPromptTokens());
            int least = i == 0 ? 0 : shared;
            assertTrue(alone.get(i).cachedPromptTokens() >= least, "request " + i);
            assertTrue(batched.get(i).cachedPromptTokens() >= least, "request " + i);
        }
        assertEquals(0, batched.getFirst().cachedPromptTokens());
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
