package dev.gemmaspark.engine.scheduler;

/**
 * Embeddings that stand in for the token embedding at some positions of a prompt (audio or image soft
 * tokens): position p takes {@code arrays[p][offsets[p] .. + n_embd)} when {@code arrays[p]} is not null.
 * Such positions take the per-layer input of the pad token, as llama.cpp and transformers do.
 */
public record PromptEmbeddings(float[][] arrays, int[] offsets) {
    /** The token whose per-layer input row embedding positions use. */
    public static final int PER_LAYER_TOKEN = 0;

    public PromptEmbeddings {
        if (arrays.length != offsets.length) {
            throw new IllegalArgumentException("arrays and offsets differ in length");
        }
    }

    public static PromptEmbeddings forPrompt(int length) {
        return new PromptEmbeddings(new float[length][], new int[length]);
    }

    public void set(int position, float[] array, int offset) {
        arrays[position] = array;
        offsets[position] = offset;
    }

    boolean has(int position) {
        return arrays[position] != null;
    }

    /** Leading positions of {@code embeddings} (null: none) whose input is their token's embedding. */
    static int leadingTokens(int length, PromptEmbeddings embeddings) {
        int n = 0;
        while (n < length && (embeddings == null || !embeddings.has(n))) {
            n++;
        }
        return n;
    }
}
