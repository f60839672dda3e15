package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests sharing a prefix through the scheduler's prefix cache: the prefix is computed once, within a batch and
 * across batches, and every result (greedy and sampled tokens, log-probabilities, classifications) is bit for bit
 * that of the request computed alone without the cache, also for prefixes longer than the sliding window (16) and
 * its ring of 16 + 16 slots.
 */
class PrefixSharingTest {
    private static final String MODEL = "gemma3n-tiny6q-tinyvocab-Q4_K_M";
    private static final int BOS = 2;
    private static final SamplingParams SAMPLED = new SamplingParams(8, 0.9f, 40, 0.95f, 0.05f, 1.1f, 0, List.of());

    private static int[] randomTokens(long seed, int n) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 7 + r.nextInt(493);
        }
        return t;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] prefix(int n) {
        return concat(new int[] {BOS}, randomTokens(1, n - 1));
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    private static SamplingParams params(int i) {
        return i % 2 == 0 ? SamplingParams.GREEDY.withMaxTokens(8) : SAMPLED.withSeed(100 + i);
    }

    /** Each prompt alone, one after the other, without a prefix cache. */
    private static List<GenerationResult> alone(List<int[]> prompts) throws Exception {
        List<GenerationResult> out = new ArrayList<>();
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(1, 16, 256, 8))) {
            for (int i = 0; i < prompts.size(); i++) {
                out.add(get(f.scheduler.submit(prompts.get(i), params(i), null)));
            }
            long promptTokens = prompts.stream().mapToLong(p -> p.length).sum();
            assertEquals(promptTokens, f.scheduler.computedPromptTokens());
            assertEquals(0, f.scheduler.cachedPromptTokens());
        }
        return out;
    }

    /**
     * 8 prompts of a shared 40-token prefix and 10 tokens of their own, submitted together or in two waves of 4: the
     * first computes its 50 tokens, the others copy the prefix (2 whole blocks and the first 8 positions of the third)
     * and compute their own 10, 40 + 8 x 10 in all.
     */
    @ParameterizedTest(name = "waves: {0}")
    @ValueSource(ints = {1, 2})
    void eightPromptsSharingAPrefixComputeItOnce(int waves) throws Exception {
        int[] shared = prefix(40);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            prompts.add(concat(shared, randomTokens(10 + i, 10)));
        }
        List<GenerationResult> expected = alone(prompts);
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(8, 64, 256, 16).withPrefixCacheMB(4))) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (int w = 0; w < waves; w++) {
                List<CompletableFuture<GenerationResult>> wave = new ArrayList<>();
                for (int i = w * 8 / waves; i < (w + 1) * 8 / waves; i++) {
                    wave.add(f.scheduler.submit(prompts.get(i), params(i), null));
                }
                for (CompletableFuture<GenerationResult> r : wave) {
                    get(r);
                }
                futures.addAll(wave);
            }
            for (int i = 0; i < 8; i++) {
                GenerationResult r = get(futures.get(i));
                assertArrayEquals(expected.get(i).tokens(), r.tokens(), "prompt " + i);
                assertEquals(expected.get(i).text(), r.text(), "prompt " + i);
                assertEquals(i == 0 ? 0 : 40, r.cachedPromptTokens(), "prompt " + i);
            }
            assertEquals(40 + 8 * 10, f.scheduler.computedPromptTokens());
            assertEquals(7 * 40, f.scheduler.cachedPromptTokens());
        }
    }

    /**
     * Generations, a score and a classification sharing a 70-token prefix, in chunks of 16 (rings of 32 slots, which
     * the 64 copied positions wrap twice), submitted together and then again, or one at a time: all equal their
     * results alone without the cache, bit for bit. The first generation computes the prefix and the others copy it
     * (4 whole blocks and 6 positions of the fifth); the second time each also copies its own blocks past the prefix,
     * and the score the first positions of its own fifth block.
     */
    @ParameterizedTest(name = "together: {0}")
    @ValueSource(booleans = {true, false})
    void generationsScoresAndClassificationsPastTheSlidingWindow(boolean together) throws Exception {
        int[] shared = prefix(70);
        List<int[]> prompts = List.of(concat(shared, randomTokens(20, 12)), concat(shared, randomTokens(21, 12)),
                concat(shared, randomTokens(22, 13)));
        int[] scored = concat(shared, randomTokens(23, 20));
        int[] context = concat(shared, randomTokens(24, 6));
        List<int[]> labels = List.of(randomTokens(25, 3), randomTokens(26, 1), randomTokens(27, 12));
        List<GenerationResult> generated = alone(prompts);
        ScoreResult score;
        List<ScoreResult> classified;
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(2, 16, 256, 8))) {
            score = get(f.scheduler.submitScore(scored, 75, 3));
            classified = get(f.scheduler.submitClassify(context, labels));
        }
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(4, 16, 256, 8).withPrefixCacheMB(4))) {
            Scheduler s = f.scheduler;
            for (int round = 0; round < 2; round++) {
                List<Supplier<CompletableFuture<?>>> requests = new ArrayList<>();
                for (int i = 0; i < prompts.size(); i++) {
                    int[] p = prompts.get(i);
                    SamplingParams sp = params(i);
                    requests.add(() -> s.submit(p, sp, null));
                }
                requests.add(() -> s.submitScore(scored, 75, 3));
                requests.add(() -> s.submitClassify(context, labels));
                List<CompletableFuture<?>> futures = new ArrayList<>();
                for (Supplier<CompletableFuture<?>> r : requests) {
                    futures.add(r.get());
                    if (!together) {
                        get(futures.getLast());
                    }
                }
                for (int i = 0; i < prompts.size(); i++) {
                    GenerationResult r = (GenerationResult) get(futures.get(i));
                    assertArrayEquals(generated.get(i).tokens(), r.tokens(), "prompt " + i);
                    int cached = round == 1 ? 80 : i == 0 ? 0 : 70;
                    assertEquals(cached, r.cachedPromptTokens(), "round " + round + " prompt " + i);
                }
                ScoreResult sr = (ScoreResult) get(futures.get(3));
                assertSameScore(score, sr);
                assertEquals(round == 1 ? 74 : 70, sr.cachedPromptTokens());
                @SuppressWarnings("unchecked")
                List<ScoreResult> cr = (List<ScoreResult>) get(futures.get(4));
                for (int j = 0; j < labels.size(); j++) {
                    assertSameScore(classified.get(j), cr.get(j));
                    assertEquals(70, cr.get(j).cachedPromptTokens());
                }
            }
        }
    }

    /**
     * Prompts whose position 36 is an embedding (an audio soft token) share only the blocks before it: the same
     * token ids with another embedding there copy 32 positions and sample what they do alone.
     */
    @ParameterizedTest(name = "together: {0}")
    @ValueSource(booleans = {true, false})
    void promptsShareOnlyTheBlocksBeforeTheirFirstEmbedding(boolean together) throws Exception {
        int[] prompt = prefix(60);
        List<PromptEmbeddings> embeddings = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            Random r = new Random(30 + e % 2);
            float[] row = new float[256];
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) r.nextGaussian();
            }
            PromptEmbeddings pe = PromptEmbeddings.forPrompt(prompt.length);
            pe.set(36, row, 0);
            embeddings.add(pe);
        }
        SamplingParams sampled = SAMPLED.withSeed(5);
        List<GenerationResult> expected = new ArrayList<>();
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(1, 16, 256, 8))) {
            for (PromptEmbeddings pe : embeddings) {
                expected.add(get(f.scheduler.submit(prompt, pe, sampled, null)));
            }
        }
        // the embedding changes the output: a request served the other's entries from position 36 on would show it
        assertNotEquals(Arrays.toString(expected.get(0).tokens()), Arrays.toString(expected.get(1).tokens()));
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(3, 16, 256, 8).withPrefixCacheMB(4))) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (PromptEmbeddings pe : embeddings) {
                futures.add(f.scheduler.submit(prompt, pe, sampled, null));
                if (!together) {
                    get(futures.getLast());
                }
            }
            for (int e = 0; e < 3; e++) {
                GenerationResult r = get(futures.get(e));
                assertArrayEquals(expected.get(e).tokens(), r.tokens(), "embedding " + e);
                assertEquals(e == 0 ? 0 : 32, r.cachedPromptTokens());
            }
        }
    }

    private static void assertSameScore(ScoreResult expected, ScoreResult actual) {
        assertEquals(expected.tokens(), actual.tokens());
        assertArrayEquals(expected.tokenLogprobs(), actual.tokenLogprobs());
        assertEquals(Double.doubleToRawLongBits(expected.logLikelihood()),
                Double.doubleToRawLongBits(actual.logLikelihood()));
        assertEquals(expected.alternatives(), actual.alternatives());
    }
}
