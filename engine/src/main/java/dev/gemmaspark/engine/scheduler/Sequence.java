package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.FinishReason;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.TokenListener;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.sampling.Sampler;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.sampling.StopStringMatcher;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import dev.gemmaspark.engine.tokenizer.StreamDecoder;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/** One request while the scheduler runs it: prompt progress, output so far, sampler and text state. */
final class Sequence {
    final int[] prompt;
    /** Embeddings replacing the token embedding at some prompt positions, or null. */
    final PromptEmbeddings embeddings;
    final SamplingParams params;
    final CompletableFuture<GenerationResult> future;
    private final TokenListener listener;
    private final GemmaTokenizer tokenizer;
    private final Sampler sampler;
    private final StreamDecoder decoder;
    private final StopStringMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private int[] output = new int[16];
    private int outputCount;
    KVCache cache;
    /** Prompt tokens already in the cache. */
    int prefilled;

    Sequence(int[] prompt, PromptEmbeddings embeddings, SamplingParams params, TokenListener listener,
             GemmaTokenizer tokenizer, int vocabSize) {
        this.prompt = prompt;
        this.embeddings = embeddings;
        this.params = params;
        this.listener = listener;
        this.tokenizer = tokenizer;
        this.future = new CompletableFuture<>();
        this.sampler = new Sampler(params, vocabSize);
        this.sampler.accept(prompt);
        this.decoder = tokenizer.streamDecoder();
        this.stops = new StopStringMatcher(params.stop());
    }

    boolean prefilling() {
        return prefilled < prompt.length;
    }

    /** Position of the next token to feed. */
    int position() {
        return prefilled + Math.max(0, outputCount - 1);
    }

    int lastToken() {
        return output[outputCount - 1];
    }

    int outputCount() {
        return outputCount;
    }

    /**
     * Samples the next token from a logits row and records it; returns true when the sequence is done
     * (end of generation, a stop string, max tokens or a full context).
     */
    boolean sampleNext(float[] logits, int offset, int contextLength) {
        int token = sampler.sample(logits, offset);
        if (outputCount == output.length) {
            output = Arrays.copyOf(output, output.length * 2);
        }
        output[outputCount++] = token;
        if (!params.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
            finish(FinishReason.STOP, token, "");
            return true;
        }
        String piece = stops.push(decoder.next(token));
        text.append(piece);
        if (stops.stopped()) {
            finish(FinishReason.STOP, token, piece);
            return true;
        }
        if (outputCount >= params.maxTokens() || prompt.length + outputCount >= contextLength) {
            String rest = stops.push(decoder.flush());
            if (!stops.stopped()) {
                rest += stops.flush();
            }
            text.append(rest);
            finish(stops.stopped() ? FinishReason.STOP : FinishReason.LENGTH, token, piece + rest);
            return true;
        }
        emit(token, piece);
        return false;
    }

    private void finish(FinishReason reason, int token, String lastPiece) {
        emit(token, lastPiece);
        future.complete(new GenerationResult(text.toString(), prompt, Arrays.copyOf(output, outputCount), reason,
                null));
    }

    /** Completes a request that asked for no tokens at all. */
    void finishEmpty() {
        future.complete(new GenerationResult("", prompt, new int[0], FinishReason.LENGTH, null));
    }

    private void emit(int token, String piece) {
        if (listener != null) {
            listener.onToken(token, piece);
        }
    }
}
