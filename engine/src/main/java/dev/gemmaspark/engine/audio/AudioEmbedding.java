package dev.gemmaspark.engine.audio;

/**
 * One clip's audio soft tokens, ready for the {@code <audio_soft_token>} slots of a prompt: {@code slots} rows of
 * {@code width} floats (row-major), the first {@code validTokens} from the encoder, the rest the audio padding
 * embedding (as HF fills the fixed 188 slots). {@code encodedTokens} counts the encoder's output steps, valid or not.
 */
public record AudioEmbedding(float[] embeddings, int slots, int width, int validTokens, int encodedTokens) {
    public AudioEmbedding {
        if (embeddings.length != slots * width || validTokens > encodedTokens || encodedTokens > slots) {
            throw new IllegalArgumentException("bad audio embedding: " + embeddings.length + " floats, " + slots + " slots of "
                    + width + ", " + validTokens + " valid of " + encodedTokens);
        }
    }

    /** Copies slot {@code i} into {@code dst} at {@code off}. */
    public void copySlot(int i, float[] dst, int off) {
        System.arraycopy(embeddings, i * width, dst, off, width);
    }
}
