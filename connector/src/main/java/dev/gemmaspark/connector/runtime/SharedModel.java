package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import java.util.List;

/**
 * The one loaded model of an executor for a {@link ModelKey}, used by all its tasks at once (the engine
 * is thread-safe), with the sizes of the batches it was given.
 */
public final class SharedModel implements AutoCloseable {
    private final ModelKey key;
    private final GemmaModel model;
    private final BatchStats stats = new BatchStats();

    SharedModel(ModelKey key, GemmaModel model) {
        this.key = key;
        this.model = model;
    }

    public ModelKey key() {
        return key;
    }

    public List<GenerationResult> generateAll(List<GenerationRequest> batch) {
        stats.record(batch.size());
        return model.generateAll(batch);
    }

    public ScoreResult score(String context, String text) {
        return model.score(context, text);
    }

    /** How many tokens {@code text} has when it starts a sequence (BOS and special tokens included). */
    public int promptTokenCount(String text) {
        return model.tokenizer().encode(text, true, true).length;
    }

    public BatchStats stats() {
        return stats;
    }

    @Override
    public void close() {
        model.close();
    }
}
