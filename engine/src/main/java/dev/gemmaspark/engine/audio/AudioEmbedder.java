package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import dev.gemmaspark.engine.kernel.WeightMatrix;

/**
 * HF's {@code Gemma3nMultimodalEmbedder} for audio: encoder outputs ("soft" tokens) or audio-vocabulary ids
 * ("hard" tokens) to text-model embeddings, {@code rmsNorm_noScale(W_proj * rmsNorm(x))} with the soft or hard
 * norm's weight. The result has unit RMS and is not scaled by sqrt(hidden) in the prompt.
 */
final class AudioEmbedder {
    private final int dim;
    private final int textDim;
    private final int vocabSize;
    private final int vocabOffset;
    private final float eps;
    private final float[] table;
    private final float[] hardNorm;
    private final float[] softNorm;
    private final WeightMatrix projection;

    AudioEmbedder(AudioWeights weights, String prefix, AudioConfig c) {
        dim = c.hiddenSize();
        textDim = c.textHiddenSize();
        vocabSize = c.vocabSize();
        vocabOffset = c.vocabOffset();
        eps = c.rmsNormEps();
        table = Tensors.vector(weights, prefix + "embedding.weight", vocabSize, dim);
        hardNorm = Tensors.vector(weights, prefix + "hard_embedding_norm.weight", dim);
        softNorm = Tensors.vector(weights, prefix + "soft_embedding_norm.weight", dim);
        projection = Tensors.matrix(weights, prefix + "embedding_projection.weight", textDim, dim);
    }

    /** {@code rows} encoder outputs ({@code dim} wide) to {@code rows} text embeddings in {@code out}. */
    void soft(ThreadPool pool, float[] x, int rows, float[] out) {
        float[] normed = new float[rows * dim];
        RowOps.rmsNorm(pool, x, 0, softNorm, normed, 0, rows, dim, eps);
        projection.matmulDequantized(pool, normed, 0, rows, out, 0);
        RowOps.rmsNorm(pool, out, 0, null, out, 0, rows, textDim, eps);
    }

    /** The embedding of audio-vocabulary token {@code tokenId} (in [vocabOffset, vocabOffset + vocabSize)). */
    float[] hard(ThreadPool pool, int tokenId) {
        int index = tokenId - vocabOffset;
        if (index < 0 || index >= vocabSize) {
            throw new IllegalArgumentException("token " + tokenId + " is not an audio token (" + vocabOffset + ".."
                    + (vocabOffset + vocabSize - 1) + ")");
        }
        float[] normed = new float[dim];
        VectorMath.rmsNorm(table, index * dim, hardNorm, normed, 0, dim, eps);
        float[] out = new float[textDim];
        projection.matmulDequantized(pool, normed, 0, 1, out, 0);
        VectorMath.rmsNorm(out, 0, null, out, 0, textDim, eps);
        return out;
    }
}
