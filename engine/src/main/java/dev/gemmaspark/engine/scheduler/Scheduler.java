package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.TokenListener;
import dev.gemmaspark.engine.model.ForwardBatch;
import dev.gemmaspark.engine.model.ForwardPass;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching: requests queue up in arrival order; up to {@code maxSequences} of them are live at
 * once, each with its own KV cache from a pool; every step runs one forward pass holding one token of
 * each decoding sequence plus chunks of prompts being prefilled; a finished sequence leaves at once and
 * the next waiting one takes its cache.
 *
 * <p>A sequence's numbers do not depend on the others in the batch (see {@link ForwardPass}), so its
 * greedy output is the same alone or among many.
 */
public final class Scheduler implements AutoCloseable {
    private final ForwardPass pass;
    private final Object forwardLock;
    private final GemmaTokenizer tokenizer;
    private final SchedulerOptions options;
    private final int vocabSize;
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> live = new ArrayList<>();
    private final ArrayDeque<KVCache> freeCaches = new ArrayDeque<>();
    private final List<KVCache> allCaches = new ArrayList<>();
    private final ForwardBatch batch;
    private final Sequence[] rowOwner;
    private final float[] logits;
    private final Thread thread;
    private volatile boolean closed;
    private final AtomicInteger liveRequests = new AtomicInteger();

    /**
     * @param forwardLock held around each forward pass, so other users of the same kernels' thread pool
     *                    can interleave their own passes
     */
    public Scheduler(ForwardPass pass, GemmaTokenizer tokenizer, Object forwardLock, SchedulerOptions options,
                     int vocabSize) {
        if (options.batchTokens() > pass.maxTokens()) {
            throw new IllegalArgumentException("batchTokens " + options.batchTokens() + " exceeds the forward pass's "
                    + pass.maxTokens());
        }
        this.pass = pass;
        this.forwardLock = forwardLock;
        this.tokenizer = tokenizer;
        this.options = options;
        this.vocabSize = vocabSize;
        this.batch = new ForwardBatch(options.batchTokens());
        this.rowOwner = new Sequence[options.maxSequences()];
        this.logits = new float[options.maxSequences() * vocabSize];
        this.thread = Thread.ofPlatform().name("gemma-scheduler").daemon().unstarted(this::run);
        this.thread.start();
    }

    /**
     * Queues a prompt. The future completes with the result, or exceptionally when the request fails;
     * cancelling it stops the request at the next step.
     */
    public CompletableFuture<GenerationResult> submit(int[] prompt, SamplingParams params, TokenListener listener) {
        return submit(prompt, null, params, listener);
    }

    /** Like {@link #submit(int[], SamplingParams, TokenListener)}, with embeddings at some prompt positions. */
    public CompletableFuture<GenerationResult> submit(int[] prompt, PromptEmbeddings embeddings, SamplingParams params,
                                                      TokenListener listener) {
        if (embeddings != null && embeddings.arrays().length != prompt.length) {
            throw new IllegalArgumentException("embeddings cover " + embeddings.arrays().length + " positions, the prompt "
                    + prompt.length);
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt: nothing to condition on (not even BOS)");
        }
        if (prompt.length >= options.contextLength()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the context length "
                    + options.contextLength() + " (it needs room for at least one generated token)");
        }
        Sequence s = new Sequence(prompt, embeddings, params, listener, tokenizer, vocabSize);
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
        liveRequests.incrementAndGet();
        s.future.whenComplete((r, e) -> liveRequests.decrementAndGet());
        incoming.add(s);
        return s.future;
    }

    private void run() {
        try {
            while (!closed) {
                if (live.isEmpty() && waiting.isEmpty()) {
                    waiting.add(incoming.take());
                }
                incoming.drainTo(waiting);
                admit();
                if (!live.isEmpty()) {
                    step();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failAll(new IllegalStateException("the model was closed before this request finished"));
            allCaches.forEach(KVCache::close);
        }
    }

    /** Moves waiting requests, in arrival order, into free sequence slots. */
    private void admit() {
        while (!waiting.isEmpty() && live.size() < options.maxSequences()) {
            Sequence s = waiting.poll();
            if (s.future.isDone()) {
                continue;
            }
            if (s.params.maxTokens() == 0) {
                s.finishEmpty();
                continue;
            }
            s.cache = freeCaches.isEmpty() ? newCache() : freeCaches.poll();
            live.add(s);
        }
    }

    private KVCache newCache() {
        KVCache cache = new KVCache(pass.model().config(), options.contextLength(), options.batchTokens());
        allCaches.add(cache);
        return cache;
    }

    /** One forward pass: a token for each decoding sequence, then prompt chunks in admission order. */
    private void step() {
        batch.clear();
        int rows = 0;
        for (Sequence s : live) {
            if (!s.prefilling() && !s.future.isDone()) {
                batch.add(s.lastToken(), s.position(), s.cache, true);
                rowOwner[rows++] = s;
            }
        }
        for (Sequence s : live) {
            if (!s.prefilling() || s.future.isDone()) {
                continue;
            }
            int room = batch.capacity() - batch.size();
            if (room == 0) {
                break;
            }
            int chunk = Math.min(room, s.prompt.length - s.prefilled);
            for (int i = 0; i < chunk; i++) {
                int pos = s.prefilled + i;
                boolean last = pos == s.prompt.length - 1;
                if (s.embeddings != null && s.embeddings.has(pos)) {
                    batch.add(PromptEmbeddings.PER_LAYER_TOKEN, s.embeddings.arrays()[pos], s.embeddings.offsets()[pos],
                            pos, s.cache, last);
                } else {
                    batch.add(s.prompt[pos], pos, s.cache, last);
                }
                if (last) {
                    rowOwner[rows++] = s;
                }
            }
            s.prefilled += chunk;
        }
        if (batch.size() > 0) {
            try {
                synchronized (forwardLock) {
                    pass.forward(batch, logits);
                }
            } catch (RuntimeException e) {
                for (Sequence s : live) {
                    s.future.completeExceptionally(e);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            Sequence s = rowOwner[r];
            rowOwner[r] = null;
            if (s.future.isDone()) {
                continue;
            }
            try {
                s.sampleNext(logits, r * vocabSize, options.contextLength());
            } catch (RuntimeException e) {
                s.future.completeExceptionally(e);
            }
        }
        for (Iterator<Sequence> it = live.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.future.isDone()) {
                freeCaches.add(s.cache);
                s.cache = null;
                it.remove();
            }
        }
    }

    private void failAll(RuntimeException reason) {
        incoming.drainTo(waiting);
        for (Sequence s : live) {
            s.future.completeExceptionally(reason);
        }
        for (Sequence s : waiting) {
            s.future.completeExceptionally(reason);
        }
        live.clear();
        waiting.clear();
    }

    /** Requests submitted and not yet finished, failed or cancelled (queued or running). */
    public int liveCount() {
        return liveRequests.get();
    }

    /** Whether the scheduler thread ended without being closed: nothing submitted will ever run. */
    public boolean isBroken() {
        return !closed && !thread.isAlive();
    }

    /** Fails pending and running requests with a clear error and stops the scheduler thread. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        incoming.forEach(s -> s.future.completeExceptionally(
                new IllegalStateException("the model was closed before this request started")));
    }
}
