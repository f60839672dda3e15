package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@link GemmaModel#score} against log-likelihoods computed from llama.cpp's reference logits. */
class ScoreTest {
    private static final String MODEL = "gemma3n-tiny6-tinyvocab-f32";

    /** Σ log softmax(llama.cpp logits at position i)[token i+1] for i in [from, n-2] ({@link Golden#logprob}). */
    private static double referenceLogLikelihood(int[] tokens, float[] logits, int from) {
        int vocab = logits.length / tokens.length;
        double sum = 0;
        for (int i = from; i < tokens.length - 1; i++) {
            sum += Golden.logprob(logits, i, vocab, tokens[i + 1]);
        }
        return sum;
    }

    @Test
    void scoreWithoutContextIsTheLikelihoodAfterBos() {
        JsonNode ref = Golden.json("refs/" + MODEL + "/variants/p1_story.exact_gelu.json");
        int[] tokens = Golden.ints(ref.get("prompt_tokens"));
        float[] logits = Golden.npy("refs/" + MODEL + "/variants/p1_story.exact_gelu.prompt_logits.npy");
        ScoreResult r = LlamaCppParityTest.model(MODEL, true).score(null, ref.get("prompt").asText());
        assertEquals(tokens.length - 1, r.tokens());
        assertEquals(referenceLogLikelihood(tokens, logits, 0), r.logLikelihood(), 1e-2);
        assertEquals(Math.exp(-r.logLikelihood() / r.tokens()), r.perplexity(), 1e-9);
    }

    @Test
    void scoreWithContextCountsOnlyTheText() {
        JsonNode ref = Golden.json("refs/" + MODEL + "/variants/p0_short.exact_gelu.json");
        int[] tokens = Golden.ints(ref.get("prompt_tokens")); // "The quick brown fox"
        float[] logits = Golden.npy("refs/" + MODEL + "/variants/p0_short.exact_gelu.prompt_logits.npy");
        GemmaModel model = LlamaCppParityTest.model(MODEL, true);
        int[] context = model.tokenizer().encode("The quick", true, true);
        String text = ref.get("prompt").asText().substring("The quick".length());
        ScoreResult r = model.score("The quick", text);
        assertEquals(tokens.length - context.length, r.tokens());
        assertEquals(referenceLogLikelihood(tokens, logits, context.length - 1), r.logLikelihood(), 1e-2);
    }
}
