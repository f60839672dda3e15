package dev.gemmaspark.engine;

import dev.gemmaspark.engine.model.Gemma3nConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded Gemma 3n model: the memory-mapped GGUF, its tokenizer and the engine that runs it. Load once,
 * share between threads; every method is thread-safe. Closing unmaps the file.
 */
public final class GemmaModel implements AutoCloseable {

    /** Maps {@code gguf} and checks it; a bad file fails here with its name and the problem. */
    public static GemmaModel load(Path gguf, EngineOptions options) {
        throw new UnsupportedOperationException("TODO");
    }

    public Gemma3nConfig config() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The longest sequence (prompt plus output) one request may use. */
    public int contextLength() {
        throw new UnsupportedOperationException("TODO");
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, null);
    }

    /** Generates for one request, streaming each token to {@code listener} (may be null). */
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Generates for many requests together; results come back in the order of the requests. A request
     * that fails gets a result with finish reason {@code ERROR} and a message; the others go on.
     */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * The log-likelihood of {@code text} following {@code context} (null or empty: following BOS). The
     * context is tokenized with BOS, the text without, and only the text's tokens are scored.
     */
    public ScoreResult score(String context, String text) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The logits of every position of {@code tokens} (used exactly as given), row-major [n][vocab]. */
    public float[] logits(int[] tokens) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
