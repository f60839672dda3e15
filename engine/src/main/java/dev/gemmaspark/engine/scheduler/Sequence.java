package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.FinishReason;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.TokenListener;
import dev.gemmaspark.engine.sampling.Sampler;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.sampling.StopStringMatcher;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import dev.gemmaspark.engine.tokenizer.StreamDecoder;
import java.util.Arrays;

/** A generation request while the scheduler runs it: prompt progress, output so far, sampler and text state. */
final class Sequence extends Job<GenerationResult> implements Rows {
    private final int[] prompt;
    /** Embeddings replacing the token embedding at some prompt positions, or null. */
    private final PromptEmbeddings embeddings;
    private final SamplingParams params;
    private final int contextLength;
    private final TokenListener listener;
    private final GemmaTokenizer tokenizer;
    private final Sampler sampler;
    private final StreamDecoder decoder;
    private final StopStringMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private int[] output = new int[16];
    private int outputCount;
    /** Prompt tokens already in the cache. */
    private int prefilled;

    Sequence(int[] prompt, PromptEmbeddings embeddings, SamplingParams params, TokenListener listener,
             GemmaTokenizer tokenizer, int vocabSize, int contextLength) {
        // the last prompt token's logits give the first output token; positions from the first embedding on are
        // not functions of the token ids
        super(prompt, Math.min(prompt.length - 1, PromptEmbeddings.leadingTokens(prompt.length, embeddings)),
                PromptEmbeddings.leadingTokens(prompt.length, embeddings));
        this.prompt = prompt;
        this.embeddings = embeddings;
        this.params = params;
        this.contextLength = contextLength;
        this.listener = listener;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(params, vocabSize);
        this.sampler.accept(prompt);
        this.decoder = tokenizer.streamDecoder();
        this.stops = new StopStringMatcher(params.stop());
    }

    @Override
    int cachesToStart(int poolSize) {
        return 1;
    }

    @Override
    void start(int cached) {
        prefilled = cached;
    }

    @Override
    int prefixWritten() {
        return prefilled;
    }

    private boolean prefilling() {
        return prefilled < prompt.length;
    }

    /** The last sampled token, at its own position: its logits give the next one. */
    @Override
    void addDecode(Step step) {
        if (!prefilling()) {
            step.add(this, output[outputCount - 1], prefilled + outputCount - 1, caches.getFirst(), this);
        }
    }

    /** The next chunk of the prompt; the last prompt token only where a logits row is left for it. */
    @Override
    void addPrefill(Step step) {
        if (!prefilling()) {
            return;
        }
        int chunk = Math.min(step.room(), prompt.length - prefilled);
        if (prefilled + chunk == prompt.length && step.rowsLeft() == 0) {
            chunk--;
        }
        for (int i = 0; i < chunk; i++) {
            int pos = prefilled + i;
            Rows rows = pos == prompt.length - 1 ? this : null;
            if (embeddings != null && embeddings.has(pos)) {
                step.add(this, PromptEmbeddings.PER_LAYER_TOKEN, embeddings.arrays()[pos], embeddings.offsets()[pos],
                        pos, caches.getFirst(), rows);
            } else {
                step.add(this, prompt[pos], pos, caches.getFirst(), rows);
            }
        }
        prefilled += chunk;
    }

    @Override
    public Job<?> job() {
        return this;
    }

    /** Sampling and the listener run on the scheduler thread, in step order. */
    @Override
    public boolean concurrent() {
        return false;
    }

    /**
     * Samples the next token from a logits row and records it; completes the request at the end of
     * generation, a stop string, max tokens or a full context.
     */
    @Override
    public void row(int position, float[] logits, int offset) {
        int token = sampler.sample(logits, offset);
        if (outputCount == output.length) {
            output = Arrays.copyOf(output, output.length * 2);
        }
        output[outputCount++] = token;
        if (!params.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
            finish(FinishReason.STOP, token, "");
            return;
        }
        String piece = stops.push(decoder.next(token));
        text.append(piece);
        if (stops.stopped()) {
            finish(FinishReason.STOP, token, piece);
            return;
        }
        if (outputCount >= params.maxTokens() || prompt.length + outputCount >= contextLength) {
            String rest = stops.push(decoder.flush());
            if (!stops.stopped()) {
                rest += stops.flush();
            }
            text.append(rest);
            finish(stops.stopped() ? FinishReason.STOP : FinishReason.LENGTH, token, piece + rest);
            return;
        }
        emit(token, piece);
    }

    private void finish(FinishReason reason, int token, String lastPiece) {
        emit(token, lastPiece);
        future.complete(new GenerationResult(text.toString(), prompt, Arrays.copyOf(output, outputCount), reason,
                null, cachedPrefix));
    }

    /** Completes a request that asked for no tokens at all. */
    void finishEmpty() {
        future.complete(new GenerationResult("", prompt, new int[0], FinishReason.LENGTH, null, 0));
    }

    private void emit(int token, String piece) {
        if (listener != null) {
            listener.onToken(token, piece);
        }
    }
}
