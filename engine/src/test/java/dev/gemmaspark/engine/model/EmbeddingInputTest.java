package dev.gemmaspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Positions fed an embedding (the path of audio and image soft tokens) take it unscaled and keep the
 * per-layer input of the token they stand on.
 */
class EmbeddingInputTest {

    @Test
    void aTokensScaledEmbeddingRowGivesTheSameLogitsAsTheToken() {
        int[] tokens = Golden.ints(Golden.json("refs/gemma3n-tiny6-tinyvocab-f32/p0_short.json").get("prompt_tokens"));
        try (GGUFFile file = GGUFFile.open(Golden.model("gemma3n-tiny6-tinyvocab-f32"));
             ThreadPool pool = new ThreadPool(1)) {
            Gemma3nModel model = new Gemma3nModel(file, 64, ActivationRounding.LLAMA_CPP);
            int d = model.config().nEmbd();
            int v = model.config().vocabSize();
            float[] asTokens = run(model, pool, tokens, null);
            assertArrayEquals(asTokens, run(model, pool, tokens, null), "determinism");
            float[] embedding = new float[d];
            model.weights().tokenEmbd.dequantizeRow(tokens[3], embedding, 0);
            for (int i = 0; i < d; i++) {
                embedding[i] *= (float) Math.sqrt(d);
            }
            assertArrayEquals(asTokens, run(model, pool, tokens, embedding));
            // and the embedding really is used: another vector changes the logits after position 3
            embedding[0] += 1f;
            float[] changed = run(model, pool, tokens, embedding);
            assertArrayEquals(Arrays.copyOf(asTokens, 3 * v), Arrays.copyOf(changed, 3 * v));
            assertFalse(Arrays.equals(asTokens, changed));
        }
    }

    /** All positions' logits; position 3 gets {@code embedding} when it is not null. */
    private static float[] run(Gemma3nModel model, ThreadPool pool, int[] tokens, float[] embedding) {
        ForwardPass pass = new ForwardPass(model, pool, tokens.length, false);
        ForwardBatch batch = new ForwardBatch(tokens.length);
        try (KVCache cache = new KVCache(model.config(), 64, tokens.length)) {
            for (int i = 0; i < tokens.length; i++) {
                if (i == 3 && embedding != null) {
                    batch.add(tokens[i], embedding, 0, i, cache, true);
                } else {
                    batch.add(tokens[i], i, cache, true);
                }
            }
            float[] logits = new float[tokens.length * model.config().vocabSize()];
            pass.forward(batch, logits);
            return logits;
        }
    }
}
