package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The {@code prefixCacheMB} option, and classifications and scores sharing an instruction through a context. */
class PrefixCachingTest {
    private static final String MODEL = "gemma3n-tiny6q-tinyvocab-Q4_0";
    private static final String INSTRUCTION = "Read the review below and say whether the customer liked the product,"
            + " answering with one word only.";
    private static final List<String> REVIEWS = List.of("Great kettle, boils fast.", "It broke after a week.",
            "Fine for the price.", "Would not buy again.", "My mother loves it.", "Too loud.");

    @Test
    void prefixCacheMBDefaultsTo256AndIsValidated() {
        assertEquals(256, EngineOptions.defaults().prefixCacheMB());
        assertEquals(0, EngineOptions.defaults().withPrefixCacheMB(0).prefixCacheMB());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineOptions.defaults().withPrefixCacheMB(-1));
        assertEquals("prefixCacheMB must be between 0 and 1073741824, got -1", e.getMessage());
    }

    private record Results(List<List<ScoreResult>> classified, List<ScoreResult> scored, long computed, long cached) {
    }

    private static Results run(long prefixCacheMB) throws Exception {
        try (GemmaModel m = GemmaModel.load(Golden.model(MODEL), EngineOptions.defaults().withThreads(2)
                .withContextLength(256).withMaxSequences(4).withBatchTokens(16).withPrefixCacheMB(prefixCacheMB))) {
            List<CompletableFuture<List<ScoreResult>>> classified = new ArrayList<>();
            List<CompletableFuture<ScoreResult>> scored = new ArrayList<>();
            for (String review : REVIEWS) {
                classified.add(m.submitClassify(List.of(ChatMessage.system(INSTRUCTION), ChatMessage.user(review)),
                        List.of("yes", "no", "maybe so"), false));
                scored.add(m.submitScore(INSTRUCTION, " " + review, false));
            }
            List<List<ScoreResult>> c = new ArrayList<>();
            List<ScoreResult> s = new ArrayList<>();
            for (int i = 0; i < REVIEWS.size(); i++) {
                c.add(classified.get(i).get());
                s.add(scored.get(i).get());
            }
            return new Results(c, s, m.computedPromptTokens(), m.cachedPromptTokens());
        }
    }

    /**
     * Classifications and scores of reviews after one instruction (longer than the sliding window), all submitted
     * together: the same log-probabilities with the prefix cache as without, bit for bit; with it, the instruction's
     * blocks are computed once and copied by the others, and the counters say so.
     */
    @Test
    void classificationsAndScoresSharingAnInstructionAreTheSameWithTheCache() throws Exception {
        Results without = run(0);
        Results with = run(16);
        assertEquals(0, without.cached());
        assertTrue(with.cached() >= 2 * 32 * (REVIEWS.size() - 1), "cached " + with.cached());
        assertEquals(without.computed(), with.computed() + with.cached());
        long cached = 0;
        for (int i = 0; i < REVIEWS.size(); i++) {
            for (int j = 0; j < 3; j++) {
                ScoreResult a = without.classified().get(i).get(j);
                ScoreResult b = with.classified().get(i).get(j);
                assertArrayEquals(a.tokenLogprobs(), b.tokenLogprobs(), "review " + i + " label " + j);
                assertEquals(Double.doubleToRawLongBits(a.logLikelihood()), Double.doubleToRawLongBits(b.logLikelihood()));
                assertEquals(b.cachedPromptTokens(), with.classified().get(i).getFirst().cachedPromptTokens());
            }
            ScoreResult a = without.scored().get(i);
            ScoreResult b = with.scored().get(i);
            assertArrayEquals(a.tokenLogprobs(), b.tokenLogprobs(), "review " + i);
            assertEquals(0, a.cachedPromptTokens());
            cached += b.cachedPromptTokens() + with.classified().get(i).getFirst().cachedPromptTokens();
        }
        assertEquals(cached, with.cached());
    }
}
