package dev.gemmaspark.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final SamplingParams PLAIN = SamplingParams.GREEDY.withTemperature(1f);

    /** ln of the probabilities: softmax gives them back exactly (up to rounding). */
    private static float[] logProbs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }

    /** The distribution as id -> probability, ordered by id. */
    private static Map<Integer, Float> distribution(Sampler s, float[] logits) {
        int[] ids = new int[logits.length];
        float[] probs = new float[logits.length];
        int n = s.distribution(logits, 0, ids, probs);
        Map<Integer, Float> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(ids[i], probs[i]);
        }
        return out;
    }

    private static void assertDistribution(Map<Integer, Float> actual, Object... idProb) {
        assertEquals(idProb.length / 2, actual.size(), () -> "survivors " + actual);
        for (int i = 0; i < idProb.length; i += 2) {
            Float p = actual.get((Integer) idProb[i]);
            assertEquals(((Number) idProb[i + 1]).floatValue(), p == null ? -1f : p, 1e-5f,
                    "probability of id " + idProb[i] + " in " + actual);
        }
    }

    @Test
    void greedyTakesTheArgmaxAndTheLowestIdOnTies() {
        assertEquals(1, new Sampler(SamplingParams.GREEDY, 4).sample(new float[] {1f, 3f, 3f, 2f}, 0));
        assertEquals(1, new Sampler(SamplingParams.GREEDY, 3).sample(new float[] {-5f, -1f, -1f}, 0));
        float[] rows = {9f, 9f, 0f, 0f, 7f, 7f};
        assertEquals(0, new Sampler(SamplingParams.GREEDY, 2).sample(rows, 4));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        SamplingParams p = SamplingParams.GREEDY.withRepetitionPenalty(1.1f);
        Sampler positive = new Sampler(p, 3);
        positive.accept(0);
        float[] logits = {2.0f, 1.9f, 0.5f};
        assertEquals(1, positive.sample(logits, 0)); // 2.0 / 1.1 = 1.82 < 1.9
        assertArrayEquals(new float[] {2.0f, 1.9f, 0.5f}, logits, "the caller's row is left as it was");

        Sampler negative = new Sampler(p, 3);
        negative.accept(0);
        assertEquals(1, negative.sample(new float[] {-1.0f, -1.05f, -3f}, 0)); // -1.0 * 1.1 = -1.1 < -1.05
    }

    @Test
    void repetitionPenaltyLooksBackOver64TokensAndCountsEachTokenOnce() {
        SamplingParams p = SamplingParams.GREEDY.withRepetitionPenalty(4f);
        Sampler s = new Sampler(p, 3);
        s.accept(0);
        for (int i = 0; i < Sampler.PENALTY_WINDOW; i++) {
            s.accept(2);
        }
        // token 0 left the window; token 2, seen 64 times, is divided by 4 once: 8 / 4 = 2 > 1.5
        assertEquals(0, s.sample(new float[] {3f, 1.5f, 2.5f}, 0));
        assertEquals(2, new Sampler(p, 3).sample(new float[] {1f, 1.5f, 2.5f}, 0));
        Sampler twice = new Sampler(p, 3);
        twice.accept(new int[] {2, 2});
        assertEquals(2, twice.sample(new float[] {1f, 1.5f, 8f}, 0));
    }

    @Test
    void sampledTokensJoinThePenaltyHistory() {
        Sampler s = new Sampler(SamplingParams.GREEDY.withRepetitionPenalty(2f), 2);
        assertEquals(0, s.sample(new float[] {3f, 2f}, 0));
        assertEquals(1, s.sample(new float[] {3f, 2f}, 0)); // 3 / 2 = 1.5 < 2
    }

    @Test
    void topKKeepsTheKBestWithTheLowerIdOnTies() {
        Sampler s = new Sampler(PLAIN.withTopK(3), 6);
        assertDistribution(distribution(s, new float[] {1f, 4f, 3f, 2f, 4f, 0.5f}),
                1, 0.4223188f, 4, 0.4223188f, 2, 0.1553624f);
        Sampler ties = new Sampler(PLAIN.withTopK(2), 4);
        assertDistribution(distribution(ties, new float[] {2f, 2f, 2f, 1f}), 0, 0.5f, 1, 0.5f);
    }

    @Test
    void topPKeepsTheSmallestPrefixWhoseMassReachesP() {
        float[] logits = logProbs(0.1, 0.25, 0.5, 0.15);
        assertDistribution(distribution(new Sampler(PLAIN.withTopP(0.7f), 4), logits),
                2, 0.5f / 0.75f, 1, 0.25f / 0.75f);
        assertDistribution(distribution(new Sampler(PLAIN.withTopP(0.8f), 4), logits),
                2, 0.5f / 0.9f, 1, 0.25f / 0.9f, 3, 0.15f / 0.9f);
    }

    @Test
    void topPAfterTopKMeasuresMassWithinTheK() {
        // Over the 3 best, probabilities are 0.556, 0.278, 0.167: 0.8 is reached by two tokens, not three.
        float[] logits = logProbs(0.1, 0.25, 0.5, 0.15, 1e-9, 1e-9);
        assertDistribution(distribution(new Sampler(PLAIN.withTopK(3).withTopP(0.8f), 6), logits),
                2, 0.5f / 0.75f, 1, 0.25f / 0.75f);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        float[] logits = logProbs(0.1, 0.25, 0.5, 0.15);
        assertDistribution(distribution(new Sampler(PLAIN.withMinP(0.25f), 4), logits),
                2, 0.5f / 0.9f, 1, 0.25f / 0.9f, 3, 0.15f / 0.9f);
        assertDistribution(distribution(new Sampler(PLAIN.withMinP(0.4f), 4), logits),
                2, 0.5f / 0.75f, 1, 0.25f / 0.75f);
        float[] padded = logProbs(0.1, 0.25, 0.5, 0.15, 1e-9, 1e-9);
        assertDistribution(distribution(new Sampler(PLAIN.withTopK(5).withMinP(0.25f), 6), padded),
                2, 0.5f / 0.9f, 1, 0.25f / 0.9f, 3, 0.15f / 0.9f);
        assertDistribution(distribution(new Sampler(PLAIN.withTopP(0.7f).withMinP(0.25f), 4), logits),
                2, 0.5f / 0.75f, 1, 0.25f / 0.75f);
    }

    @Test
    void temperatureScalesTheSurvivorsAfterTheFilters() {
        float[] logits = logProbs(0.5, 0.25);
        assertDistribution(distribution(new Sampler(PLAIN.withTemperature(0.5f), 2), logits), 0, 0.8f, 1, 0.2f);
        assertDistribution(distribution(new Sampler(PLAIN.withTemperature(2f), 2), logits),
                0, 0.5857864f, 1, 0.4142136f);
        // min-p judges the untempered distribution: at temperature 2 token 3 (0.15) would pass 0.4 * top, it does not.
        float[] four = logProbs(0.1, 0.25, 0.5, 0.15);
        assertDistribution(distribution(new Sampler(PLAIN.withTemperature(2f).withMinP(0.4f), 4), four),
                2, 0.5857864f, 1, 0.4142136f);
    }

    @Test
    void penaltyComesBeforeTopK() {
        SamplingParams p = PLAIN.withRepetitionPenalty(2f).withTopK(2);
        Sampler s = new Sampler(p, 4);
        s.accept(new int[] {0, 2});
        // penalized: {1, 1, -2, -0.5}
        assertDistribution(distribution(s, new float[] {2f, 1f, -1f, -0.5f}), 0, 0.5f, 1, 0.5f);
    }

    @Test
    void drawsFollowTheDistribution() {
        float[] logits = logProbs(0.5, 0.3, 0.2);
        Sampler s = new Sampler(PLAIN.withSeed(42), 3);
        int[] counts = new int[3];
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            counts[s.sample(logits, 0)]++;
        }
        assertEquals(0.5, counts[0] / (double) draws, 0.015);
        assertEquals(0.3, counts[1] / (double) draws, 0.015);
        assertEquals(0.2, counts[2] / (double) draws, 0.015);
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        float[] logits = logProbs(0.2, 0.2, 0.2, 0.2, 0.2);
        SamplingParams p = PLAIN.withTopK(4).withSeed(7);
        Sampler first = new Sampler(p, 5);
        Sampler second = new Sampler(p, 5);
        Sampler other = new Sampler(p.withSeed(8), 5);
        int[] a = new int[50];
        int[] b = new int[50];
        int[] c = new int[50];
        for (int i = 0; i < 50; i++) {
            a[i] = first.sample(logits, 0);
            b[i] = second.sample(logits, 0);
            c[i] = other.sample(logits, 0);
        }
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
        assertEquals(0, Arrays.stream(a).filter(t -> t == 4).count(), "token 4 is not in the top 4 (ties: lower ids)");
    }

    @Test
    void fullVocabularySelectionAgreesWithASort() {
        int vocab = 262_144;
        float[] logits = new float[vocab];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (r.nextGaussian() * 3);
        }
        Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));

        Map<Integer, Float> topK = distribution(new Sampler(PLAIN.withTopK(40), vocab), logits);
        assertEquals(Arrays.stream(order, 0, 40).collect(Collectors.toSet()), topK.keySet());

        double total = Arrays.stream(order).mapToDouble(i -> Math.exp(logits[i] - logits[order[0]])).sum();
        double cum = 0;
        int n = 0;
        while (cum < 0.5 * total) {
            cum += Math.exp(logits[order[n++]] - logits[order[0]]);
        }
        Map<Integer, Float> nucleus = distribution(new Sampler(PLAIN.withTopP(0.5f), vocab), logits);
        assertEquals(Arrays.stream(order, 0, n).collect(Collectors.toSet()), nucleus.keySet());
    }

    @Test
    void rejectsTokensOutsideTheVocabularyAndShortRows() {
        Sampler s = new Sampler(SamplingParams.GREEDY, 4);
        assertThrows(IllegalArgumentException.class, () -> s.accept(4));
        assertThrows(IndexOutOfBoundsException.class, () -> s.sample(new float[6], 3));
    }
}
