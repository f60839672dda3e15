package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.AudioPrompt;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One inference context of an executor for a {@link ModelKey.Context}, used by all its tasks at once (the engine
 * is thread-safe), with the sizes of the generation and transcription batches it was given. {@link ModelRegistry}
 * owns it and alone closes it: whoever {@link ModelRegistry#acquire acquires} it only uses it, since other tasks
 * share it and the registry hands it out until it closes it.
 */
public final class SharedModel {
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

    /** The engine context itself. */
    public GemmaModel engine() {
        return model;
    }

    /** Whether the engine failed for good (its model file faulted, say): the registry then loads it again. */
    public boolean isBroken() {
        return model.isBroken();
    }

    /** How the model file changed on disk since it was loaded, or null (see GemmaWeights#changedOnDisk). */
    public String changedOnDisk() {
        return model.weights().changedOnDisk();
    }

    /** What broke the engine, or null while it works. */
    public Throwable failure() {
        return model.failure();
    }

    /** Queues one generation; see {@link GemmaModel#submit}. */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        return model.submit(request, null);
    }

    public CompletableFuture<ScoreResult> submitScore(String context, String text, boolean parseSpecial) {
        return model.submitScore(context, text, parseSpecial);
    }

    public CompletableFuture<List<ScoreResult>> submitClassify(List<ChatMessage> messages, List<String> labels,
                                                               boolean parseSpecial) {
        return model.submitClassify(messages, labels, parseSpecial);
    }

    /** How many tokens the chat-templated {@code messages} have as a prompt, BOS included. */
    public int chatTokenCount(List<ChatMessage> messages, boolean parseSpecial) {
        return model.tokenizer().encodeChat(messages, true, parseSpecial).length;
    }

    /** Counts one batch of {@code rows} rows handed to the engine together. */
    public void recordBatch(int rows) {
        stats.record(rows);
    }

    /** Generates for {@code requests} together, all their images through the vision tower in one pass. */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests, BooleanSupplier cancelled) {
        stats.record(requests.size());
        return model.generateAll(requests, cancelled);
    }

    public List<TranscriptionResult> transcribeAll(List<float[]> recordings, String prompt, SamplingParams params,
                                                   BooleanSupplier cancelled) {
        stats.record(recordings.size());
        return model.transcribeAll(recordings, prompt, params, cancelled);
    }

    /**
     * Throws, naming the model and the option to set, when this model cannot transcribe: it was loaded without
     * audio weights, or its vocabulary lacks the audio tokens. A task fails on it rather than every row.
     */
    public void requireAudio() {
        if (!model.hasAudio()) {
            throw new IllegalStateException("model " + key.model() + " has no audio encoder: set spark.gemma.audioWeights"
                    + " (option audioWeights) to the audio weights (the Gemma 3n Hugging Face checkpoint's safetensors)");
        }
        if (model.tokenizer().tokenId(AudioPrompt.SOFT_TOKEN) < 0) {
            throw new IllegalStateException("model " + key.model() + " has no audio tokens in its vocabulary (GGUF files"
                    + " converted before 2026 have 262144 tokens; convert it again with the current llama.cpp converter)");
        }
    }

    public BatchStats stats() {
        return stats;
    }

    void close() {
        model.close();
    }
}
