package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.TokenLogprob;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scoring, classification and logits through the scheduler: against log-likelihoods computed here from llama.cpp's
 * logits, and bit for bit the same alone, among other requests, and as a classification's continuation.
 */
class SchedulerScoreTest {
    private static final String F32 = "gemma3n-tiny6-tinyvocab-f32";
    private static final String Q4_K_M = "gemma3n-tiny6q-tinyvocab-Q4_K_M";

    private static int[] prompt(String model, String pid) {
        return Golden.ints(Golden.json("refs/" + model + "/" + pid + ".json").get("prompt_tokens"));
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    /**
     * p3_long (112 tokens, past the sliding window of 16) in chunks of at most 8 logits rows. llama.cpp's
     * exact-GELU logits are matched to 1e-3 (LlamaCppParityTest), so a log-probability moves by at most 2e-3.
     */
    @Test
    void scoresMatchLogLikelihoodsFromLlamaCppLogits() throws Exception {
        String base = "refs/" + F32 + "/variants/p3_long.exact_gelu";
        int[] tokens = Golden.ints(Golden.json(base + ".json").get("prompt_tokens"));
        float[] logits = Golden.npy(base + ".prompt_logits.npy");
        int vocab = logits.length / tokens.length;
        ScoreResult r;
        try (SchedulerFixture f = new SchedulerFixture(F32, 2, new SchedulerOptions(2, 16, 256, 8), true, null)) {
            r = get(f.scheduler.submitScore(tokens, 1, 3));
        }
        assertEquals(tokens.length - 1, r.tokens());
        double sum = 0;
        double reference = 0;
        for (int i = 1; i < tokens.length; i++) {
            double lp = r.tokenLogprobs()[i - 1];
            double ref = Golden.logprob(logits, i - 1, vocab, tokens[i]);
            assertEquals(ref, lp, 2e-3, "token " + i);
            List<TokenLogprob> top = r.alternatives().get(i - 1);
            assertEquals(3, top.size());
            for (int k = 0; k < top.size(); k++) {
                TokenLogprob t = top.get(k);
                assertEquals(Golden.logprob(logits, i - 1, vocab, t.token()), t.logprob(), 2e-3, "token " + i);
                assertTrue(k == 0 || t.logprob() <= top.get(k - 1).logprob());
            }
            assertTrue(lp <= top.getFirst().logprob());
            sum += lp;
            reference += ref;
        }
        assertEquals(sum, r.logLikelihood());
        assertEquals(reference, r.logLikelihood(), 1e-2);
    }

    @Test
    void aScoreIsBitIdenticalAloneAndAmongGenerationsScoresAndClassifications() throws Exception {
        int[] text = Arrays.copyOf(prompt(Q4_K_M, "p3_long"), 64);
        ScoreResult alone;
        try (SchedulerFixture f = new SchedulerFixture(Q4_K_M, 1, new SchedulerOptions(1, 16, 256, 8), false, null)) {
            alone = get(f.scheduler.submitScore(text, 5, 4));
        }
        try (SchedulerFixture f = new SchedulerFixture(Q4_K_M, new SchedulerOptions(6, 40, 256, 12))) {
            Scheduler s = f.scheduler;
            List<CompletableFuture<?>> others = new ArrayList<>();
            for (String pid : new String[] {"p0_short", "p1_story", "p2_chat"}) {
                others.add(s.submit(prompt(Q4_K_M, pid), SamplingParams.GREEDY.withMaxTokens(10), null));
                others.add(s.submitScore(prompt(Q4_K_M, pid), 2, 1));
            }
            others.add(s.submitClassify(prompt(Q4_K_M, "p4_one"), List.of(Arrays.copyOfRange(text, 1, 30),
                    Arrays.copyOfRange(text, 30, 50))));
            CompletableFuture<ScoreResult> busy = s.submitScore(text, 5, 4);
            others.add(s.submit(prompt(Q4_K_M, "p4_one"), SamplingParams.GREEDY.withMaxTokens(12), null));
            assertSame(alone, get(busy));
            for (CompletableFuture<?> o : others) {
                get(o);
            }
        }
    }

    private static void assertSame(ScoreResult expected, ScoreResult actual) {
        assertEquals(expected.tokens(), actual.tokens());
        assertArrayEquals(expected.tokenLogprobs(), actual.tokenLogprobs());
        assertEquals(Double.doubleToRawLongBits(expected.logLikelihood()),
                Double.doubleToRawLongBits(actual.logLikelihood()));
        assertEquals(expected.alternatives(), actual.alternatives());
    }

    /**
     * A 70-token context (past the sliding layers' ring of 16 + 16 slots, so the copied caches hold wrapped
     * rings) and continuations of 1, 0, 3, 12 and 30 tokens, with one cache (continuations in turn, re-prefilling
     * the context), two (one copy at a time) and six (copies in parallel), beside generation and another
     * classification: each continuation's result is that of scoring context + continuation, bit for bit.
     */
    @ParameterizedTest(name = "{0} caches")
    @ValueSource(ints = {1, 2, 6})
    void classifyEqualsScoringEachContinuationBitForBit(int caches) throws Exception {
        int[] text = prompt(Q4_K_M, "p3_long");
        int[] context = Arrays.copyOf(text, 70);
        List<int[]> continuations = List.of(Arrays.copyOfRange(text, 70, 71), new int[0],
                Arrays.copyOfRange(text, 70, 73), Arrays.copyOfRange(prompt(Q4_K_M, "p1_story"), 1, 13),
                Arrays.copyOfRange(text, 70, 100));
        try (SchedulerFixture f = new SchedulerFixture(Q4_K_M, new SchedulerOptions(caches, 16, 256, Math.max(caches, 8)))) {
            Scheduler s = f.scheduler;
            CompletableFuture<GenerationResult> gen = s.submit(prompt(Q4_K_M, "p2_chat"),
                    SamplingParams.GREEDY.withMaxTokens(12), null);
            CompletableFuture<List<ScoreResult>> classified = s.submitClassify(context, continuations);
            CompletableFuture<List<ScoreResult>> other = s.submitClassify(prompt(Q4_K_M, "p0_short"),
                    List.of(Arrays.copyOfRange(text, 1, 9), Arrays.copyOfRange(text, 9, 20)));
            List<CompletableFuture<ScoreResult>> scores = new ArrayList<>();
            for (int[] c : continuations) {
                int[] all = Arrays.copyOf(context, context.length + c.length);
                System.arraycopy(c, 0, all, context.length, c.length);
                scores.add(s.submitScore(all, context.length, 0));
            }
            List<ScoreResult> results = get(classified);
            assertEquals(continuations.size(), results.size());
            for (int j = 0; j < continuations.size(); j++) {
                assertEquals(continuations.get(j).length, results.get(j).tokens());
                assertSame(get(scores.get(j)), results.get(j));
            }
            assertEquals(0.0, results.get(1).logLikelihood());
            assertEquals(12, get(gen).outputTokenCount());
            assertEquals(2, get(other).size());
        }
    }

    /** The logits of every position, among generations, equal GemmaModel's bit for bit and llama.cpp's to 1e-3. */
    @Test
    void logitsOfEveryPositionEqualThoseOfTheModelsOwnPass() throws Exception {
        String base = "refs/" + F32 + "/variants/p3_long.exact_gelu";
        int[] tokens = Golden.ints(Golden.json(base + ".json").get("prompt_tokens"));
        float[] expected;
        try (GemmaModel m = GemmaModel.load(Golden.model(F32), EngineOptions.defaults().withThreads(2)
                .withContextLength(256).withExactGelu(true))) {
            expected = m.logits(tokens);
        }
        try (SchedulerFixture f = new SchedulerFixture(F32, 2, new SchedulerOptions(3, 24, 256, 10), true, null)) {
            CompletableFuture<GenerationResult> gen = f.scheduler.submit(prompt(F32, "p2_chat"),
                    SamplingParams.GREEDY.withMaxTokens(20), null);
            float[] logits = get(f.scheduler.submitLogits(tokens));
            assertArrayEquals(expected, logits);
            float diff = Golden.maxAbsDiff(logits, 0, Golden.npy(base + ".prompt_logits.npy"), 0, logits.length);
            assertTrue(diff < 1e-3f, "max |logit - llama.cpp exact-GELU| = " + diff);
            assertEquals(20, get(gen).outputTokenCount());
        }
    }

    @Test
    void badScoreAndClassifyRequestsFailAtSubmission() {
        try (SchedulerFixture f = new SchedulerFixture(F32, new SchedulerOptions(2, 16, 64))) {
            Scheduler s = f.scheduler;
            int[] tokens = prompt(F32, "p0_short");
            assertMessage("first scored position 0 is outside [1, 14]", () -> s.submitScore(tokens, 0, 0));
            assertMessage("first scored position 15 is outside [1, 14]", () -> s.submitScore(tokens, 15, 0));
            assertMessage("topN -1 is outside [0, 500]", () -> s.submitScore(tokens, 1, -1));
            assertMessage("65 tokens do not fit the context length 64", () -> s.submitScore(new int[65], 1, 0));
            assertMessage("tokens: token id 500 at position 1 is outside the vocabulary [0, 500)",
                    () -> s.submitScore(new int[] {2, 500}, 1, 0));
            assertMessage("no tokens to evaluate", () -> s.submitLogits(new int[0]));
            assertMessage("empty context", () -> s.submitClassify(new int[0], List.of(tokens)));
            assertMessage("no continuations", () -> s.submitClassify(tokens, List.of()));
            assertMessage("continuation 1: token id -1 at position 0",
                    () -> s.submitClassify(tokens, List.of(tokens, new int[] {-1})));
            assertMessage("context of 14 tokens and continuation 0 of 51 do not fit the context length 64",
                    () -> s.submitClassify(tokens, List.of(new int[51])));
            assertEquals(0, s.liveCount());
        }
    }

    /** A bad id once reached the forward pass, which failed every request of the step with it. */
    @Test
    void aBadTokenIdInAPromptFailsAtSubmissionNotTheBatch() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture(F32, new SchedulerOptions(2, 16, 64))) {
            Scheduler s = f.scheduler;
            SamplingParams params = SamplingParams.GREEDY.withMaxTokens(4);
            CompletableFuture<GenerationResult> good = s.submit(prompt(F32, "p0_short"), params, null);
            assertMessage("prompt: token id 9999 at position 2 is outside the vocabulary [0, 500)",
                    () -> s.submit(new int[] {2, 449, 9999}, params, null));
            assertEquals(4, get(good).outputTokenCount());
        }
    }

    @Test
    void nothingToScoreCompletesAtOnce() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture(F32, new SchedulerOptions(1, 16, 64))) {
            int[] tokens = prompt(F32, "p4_one");
            ScoreResult r = get(f.scheduler.submitScore(tokens, tokens.length, 2));
            assertEquals(0, r.tokens());
            assertEquals(0.0, r.logLikelihood());
            assertEquals(0, r.tokenLogprobs().length);
        }
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
