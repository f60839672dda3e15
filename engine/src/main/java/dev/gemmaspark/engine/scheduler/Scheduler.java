package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.TokenListener;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.model.ForwardBackend;
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
 * Continuous batching, the only caller of its {@link ForwardBackend}: requests queue up in arrival order and
 * start when the KV caches they need are free ({@code maxSequences} caches in all); every step runs one forward
 * pass holding one token of each decoding sequence plus chunks of prompts being prefilled, in order of
 * admission; a finished request leaves at once and gives its caches to the next.
 *
 * <p>Four kinds of request share the steps: generation ({@link #submit}), scoring ({@link #submitScore}),
 * classification ({@link #submitClassify}) and raw logits ({@link #submitLogits}). The last three are prefill
 * only, with logits wanted at many positions; one step produces at most {@link SchedulerOptions#maxLogitRows()}
 * logits rows, and their chunks stop where the rows run out. The log-softmax of those rows runs on the kernels' threads, a row per thread.
 *
 * <p>A request's numbers do not depend on the others in the batch (see {@link ForwardBackend#forward}), so its greedy
 * output, its score and its classification are the same, bit for bit, alone or among many.
 *
 * <p>With a {@link SchedulerOptions#prefixCacheMB() prefix cache}, a request starting with tokens that an earlier
 * one computed copies their KV entries ({@link PrefixCache}) and prefills only the rest, with the same results. A
 * waiting request that shares more blocks with a live request still prefilling than the cache holds waits until
 * that request has kept them (requests behind it may start meanwhile), so requests that arrive together compute
 * their common prefix once.
 *
 * <p>A {@link RuntimeException} in a forward pass fails the requests that had tokens in it (their caches may be
 * half written) and the scheduler goes on. An {@link Error} (a fault reading the memory-mapped file, memory
 * exhausted) breaks it: every request it holds fails with the model file and the cause named, later
 * submissions fail at once, and the caches are freed ({@link #failure()}).
 */
public final class Scheduler implements AutoCloseable {
    private final String model;
    private final ForwardBackend pass;
    private final ThreadPool pool;
    private final GemmaTokenizer tokenizer;
    private final SchedulerOptions options;
    private final int vocabSize;
    private final LinkedBlockingQueue<Job<?>> incoming = new LinkedBlockingQueue<>();
    private final ArrayDeque<Job<?>> waiting = new ArrayDeque<>();
    private final List<Job<?>> live = new ArrayList<>();
    private final CachePool caches;
    /** Null when the options turn it off. */
    private final PrefixCache prefixes;
    private final Step step;
    private final float[] logits;
    private final RuntimeException[] rowFailures;
    /** Requests queued or running: counted up at submission, down when the scheduler lets go of them. */
    private final AtomicInteger held = new AtomicInteger();
    private final Thread thread;
    private volatile long steps;
    private volatile long computedPromptTokens;
    private volatile long cachedPromptTokens;
    private volatile boolean closed;
    private volatile Throwable failure;

    /**
     * @param model names the model file in errors (its path)
     * @param pass  the forward passes this scheduler alone runs, and its KV caches; its batches are at most
     *              {@link SchedulerOptions#batchTokens()} tokens
     * @param pool  the kernels' thread pool, also used for the log-softmax of scored rows
     */
    public Scheduler(String model, ForwardBackend pass, ThreadPool pool, GemmaTokenizer tokenizer,
                     SchedulerOptions options) {
        if (options.batchTokens() > pass.maxTokens()) {
            throw new IllegalArgumentException("batchTokens " + options.batchTokens() + " exceeds the forward pass's "
                    + pass.maxTokens());
        }
        if (options.contextLength() > pass.model().maxContext()) {
            throw new IllegalArgumentException("contextLength " + options.contextLength() + " exceeds the model's "
                    + pass.model().maxContext());
        }
        this.model = model;
        this.pass = pass;
        this.pool = pool;
        this.tokenizer = tokenizer;
        this.options = options;
        this.vocabSize = pass.model().config().vocabSize();
        this.caches = new CachePool(pass, options.contextLength(), options.batchTokens(), options.maxSequences());
        this.prefixes = options.prefixCacheMB() > 0
                ? new PrefixCache(pass.model().config(), options.prefixCacheMB() << 20) : null;
        this.step = new Step(options.batchTokens(), options.maxLogitRows());
        this.logits = new float[Math.multiplyExact(options.maxLogitRows(), vocabSize)];
        this.rowFailures = new RuntimeException[options.maxLogitRows()];
        this.thread = Thread.ofPlatform().name("gemma-scheduler").daemon().unstarted(this::run);
        this.thread.start();
    }

    /**
     * Queues a prompt. The future completes with the result, or exceptionally when the request fails;
     * cancelling it stops the request at the next step. Throws when the scheduler is closed or broken.
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
        checkTokens("prompt", prompt);
        Sequence s = new Sequence(prompt, embeddings, params, listener, tokenizer, vocabSize, options.contextLength());
        if (params.maxTokens() == 0) {
            s.finishEmpty();
            return s.future;
        }
        return enqueue(s);
    }

    /**
     * Scores {@code tokens[first..n)} after {@code tokens[0..first)}: position i gets log p(tokens[i] |
     * tokens[..i]), from the logits at position i - 1 in double (max, sum of {@code StrictMath.exp} in index order,
     * log), and, when {@code topN > 0}, the {@code topN} most likely tokens there with theirs. The result holds
     * their sum (added in order), the per-token values and {@code n - first} as the token count. The tokens are
     * used as given (a leading BOS is the caller's); the last one is never fed, as nothing is predicted from it.
     *
     * @param first the first scored position, 1 to n ({@code n}: nothing to score, an empty result at once)
     * @throws IllegalArgumentException when the tokens do not fit the context length, {@code first} or
     *                                  {@code topN} is out of range, or a token id is outside the vocabulary
     */
    public CompletableFuture<ScoreResult> submitScore(int[] tokens, int first, int topN) {
        if (tokens.length > options.contextLength()) {
            throw new IllegalArgumentException(tokens.length + " tokens do not fit the context length "
                    + options.contextLength());
        }
        if (first < 1 || first > tokens.length) {
            throw new IllegalArgumentException("first scored position " + first + " is outside [1, " + tokens.length
                    + "]: the first token has no logits before it");
        }
        if (topN < 0 || topN > vocabSize) {
            throw new IllegalArgumentException("topN " + topN + " is outside [0, " + vocabSize + "]");
        }
        checkTokens("tokens", tokens);
        if (first == tokens.length) {
            return CompletableFuture.completedFuture(ScoreJob.result(new double[0], List.of(), 0));
        }
        return enqueue(new ScoreJob(tokens.clone(), first, topN, vocabSize));
    }

    /**
     * The log-likelihood of each continuation after {@code context}, as {@link #submitScore} of context +
     * continuation from position {@code context.length} would give it, bit for bit, but with the context
     * prefilled once: its last logits score every continuation's first token, and each continuation of two or
     * more tokens goes on from a copy of the context's KV-cache entries. Results come in the order of the
     * continuations; an empty continuation scores 0 over 0 tokens.
     *
     * @throws IllegalArgumentException when the context is empty, there are no continuations, context plus a
     *                                  continuation does not fit the context length, or a token id is outside
     *                                  the vocabulary
     */
    public CompletableFuture<List<ScoreResult>> submitClassify(int[] context, List<int[]> continuations) {
        if (context.length == 0) {
            throw new IllegalArgumentException("empty context: nothing to condition on (not even BOS)");
        }
        if (continuations.isEmpty()) {
            throw new IllegalArgumentException("no continuations to classify");
        }
        checkTokens("context", context);
        List<int[]> copies = new ArrayList<>(continuations.size());
        for (int j = 0; j < continuations.size(); j++) {
            int[] c = continuations.get(j);
            if (context.length + c.length > options.contextLength()) {
                throw new IllegalArgumentException("context of " + context.length + " tokens and continuation " + j
                        + " of " + c.length + " do not fit the context length " + options.contextLength());
            }
            checkTokens("continuation " + j, c);
            copies.add(c.clone());
        }
        return enqueue(new ClassifyJob(context.clone(), List.copyOf(copies), vocabSize));
    }

    /**
     * The soft-capped logits of every position of {@code tokens} (used exactly as given), row-major
     * [n][vocabulary], computed in chunks as far as the step's logits rows allow.
     *
     * @throws IllegalArgumentException when there are no tokens, they do not fit the context length, or an id
     *                                  is outside the vocabulary
     */
    public CompletableFuture<float[]> submitLogits(int[] tokens) {
        return submitLogits(tokens, null);
    }

    /** Like {@link #submitLogits(int[])}, with embeddings at some positions (image or audio soft tokens). */
    public CompletableFuture<float[]> submitLogits(int[] tokens, PromptEmbeddings embeddings) {
        if (embeddings != null && embeddings.arrays().length != tokens.length) {
            throw new IllegalArgumentException("embeddings cover " + embeddings.arrays().length + " positions, the tokens "
                    + tokens.length);
        }
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to evaluate");
        }
        if (tokens.length > options.contextLength()) {
            throw new IllegalArgumentException(tokens.length + " tokens do not fit the context length "
                    + options.contextLength());
        }
        checkTokens("tokens", tokens);
        return enqueue(new LogitsJob(tokens.clone(), embeddings, vocabSize));
    }

    /** Catches a bad id here: in a forward pass it would fail every request of the step. */
    private void checkTokens(String what, int[] tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabSize) {
                throw new IllegalArgumentException(what + ": token id " + tokens[i] + " at position " + i
                        + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }

    private <T> CompletableFuture<T> enqueue(Job<T> job) {
        RuntimeException refused = refusal();
        if (refused != null) {
            throw refused;
        }
        held.incrementAndGet();
        incoming.add(job);
        // the scheduler thread may have stopped and drained the queue since the check above: whoever removes
        // the job from the queue answers for it
        if ((closed || failure != null) && incoming.remove(job)) {
            held.decrementAndGet();
            throw refusal();
        }
        return job.future;
    }

    private RuntimeException refusal() {
        Throwable f = failure;
        if (f != null) {
            return new IllegalStateException(brokenMessage(f), f);
        }
        return closed ? new IllegalStateException("model " + model + " is closed") : null;
    }

    private String brokenMessage(Throwable f) {
        String hint = f instanceof InternalError ? " (was the file changed while in use? replace model files by"
                + " rename, never rewrite them in place)" : "";
        return "model " + model + " failed: " + f + hint;
    }

    /** The error that broke the scheduler, or null while it runs (see the class comment). */
    public Throwable failure() {
        return failure;
    }

    /**
     * Requests submitted and not yet let go of: running, waiting for caches, or queued. A request that
     * completes leaves the count at the end of that step, just after its future completes.
     */
    public int liveCount() {
        return held.get();
    }

    /** Steps run so far. */
    long steps() {
        return steps;
    }

    /**
     * Positions computed in forward passes other than decoding: prompts, scored texts, classification contexts
     * and labels, logits requests.
     */
    public long computedPromptTokens() {
        return computedPromptTokens;
    }

    /** Leading prompt positions copied from the prefix cache instead of computed. */
    public long cachedPromptTokens() {
        return cachedPromptTokens;
    }

    /** Bytes the prefix cache has allocated (it allocates blocks as it first needs them, up to its budget). */
    public long prefixCacheBytes() {
        return prefixes == null ? 0 : prefixes.bytes();
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
            // close() stops the loop this way
        } catch (Throwable t) {
            failure = t;
        } finally {
            Throwable f = failure;
            failAll(f != null ? new IllegalStateException(brokenMessage(f), f)
                    : new IllegalStateException("the model was closed before this request finished"));
            caches.close();
            if (prefixes != null) {
                prefixes.close();
            }
        }
    }

    /**
     * Starts waiting requests, in arrival order, while the caches they need are free: a request that does not
     * fit waits for running ones to finish, and so do those behind it. A request waiting for a live one to keep
     * a shared prefix ({@link PrefixCache#source}) lets those behind it start.
     */
    private void admit() {
        for (Iterator<Job<?>> it = waiting.iterator(); it.hasNext(); ) {
            Job<?> job = it.next();
            if (job.done()) {
                it.remove();
                held.decrementAndGet();
                continue;
            }
            int need = job.cachesToStart(caches.size());
            if (caches.available() < need) {
                return;
            }
            if (prefixes != null && prefixes.source(job, live) != null) {
                continue;
            }
            // live before allocating: a cache that cannot be allocated breaks the scheduler, which fails the live
            it.remove();
            live.add(job);
            for (int i = 0; i < need; i++) {
                job.caches.add(caches.acquire());
            }
            int cached = 0;
            if (prefixes != null) {
                cached = prefixes.serve(job);
                cachedPromptTokens += cached;
            }
            job.cachedPrefix = cached;
            job.start(cached);
        }
    }

    /** One forward pass: a token for each decoding sequence, then prompt chunks in admission order. */
    private void step() {
        step.clear();
        for (Job<?> job : live) {
            if (!job.done()) {
                job.addDecode(step);
            }
        }
        int decoding = step.batch.size();
        for (Job<?> job : live) {
            if (step.room() == 0) {
                break;
            }
            if (!job.done()) {
                job.addPrefill(step);
            }
        }
        if (step.batch.size() > 0) {
            boolean ran = false;
            try {
                pass.forward(step.batch, logits);
                ran = true;
            } catch (RuntimeException e) {
                for (Job<?> job : step.participants()) {
                    job.fail(e);
                }
            }
            if (ran) {
                computedPromptTokens += step.batch.size() - decoding;
                if (prefixes != null) {
                    for (Job<?> job : step.participants()) {
                        prefixes.keep(job);
                    }
                }
                deliver();
            }
        }
        steps++;
        boolean mayTakeMore = waiting.isEmpty();
        for (Iterator<Job<?>> it = live.iterator(); it.hasNext(); ) {
            Job<?> job = it.next();
            if (!job.done()) {
                try {
                    job.afterStep(caches, mayTakeMore);
                } catch (RuntimeException e) {
                    job.fail(e);
                }
            }
            if (job.done()) {
                caches.releaseAll(job);
                it.remove();
                held.decrementAndGet();
            }
        }
    }

    /**
     * Hands the logits rows to their owners: the rows of scores and classifications first, on the kernels'
     * threads (a log-softmax over a 262,400-entry row is most of their cost), then sampling, in row order on
     * this thread.
     */
    private void deliver() {
        int rows = step.rows();
        if (step.concurrentRows() > 0) {
            pool.parallelFor(rows, (start, end) -> {
                for (int r = start; r < end; r++) {
                    Rows owner = step.owner(r);
                    if (owner.concurrent() && !owner.job().done()) {
                        try {
                            owner.row(step.position(r), logits, r * vocabSize);
                        } catch (RuntimeException e) {
                            rowFailures[r] = e;
                        }
                    }
                }
            });
        }
        for (int r = 0; r < rows; r++) {
            Rows owner = step.owner(r);
            RuntimeException e = rowFailures[r];
            rowFailures[r] = null;
            if (e == null && !owner.concurrent() && !owner.job().done()) {
                try {
                    owner.row(step.position(r), logits, r * vocabSize);
                } catch (RuntimeException ex) {
                    e = ex;
                }
            }
            if (e != null) {
                owner.job().fail(e);
            }
        }
    }

    /** Fails every request held; they leave the count first, so a caller woken by its failure sees them gone. */
    private void failAll(RuntimeException reason) {
        incoming.drainTo(waiting);
        held.addAndGet(-(live.size() + waiting.size()));
        for (Job<?> job : live) {
            job.fail(reason);
        }
        for (Job<?> job : waiting) {
            job.fail(reason);
        }
        live.clear();
        waiting.clear();
    }

    /** Fails pending and running requests with a clear error and stops the scheduler thread. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        // Waits even when the closing thread is interrupted (a killed Spark task releasing its context): returning
        // before the scheduler thread stops would let the caller free the forward pass, the thread pool and the
        // KV memory under a step still running.
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
