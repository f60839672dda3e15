package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.model.KVCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request while the scheduler holds it. A live job holds KV caches from the {@link CachePool}: at least
 * as many as it needs to finish without more, so live jobs never wait on each other for caches.
 */
abstract class Job<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    /** Caches held; all go back to the pool when the job leaves. */
    final List<KVCache> caches = new ArrayList<>(2);
    /** The last step that held tokens of this job (see {@link Step#participants()}). */
    long lastStep = -1;

    /** Caches this job must hold to start, with {@code poolSize} caches in all. */
    abstract int cachesToStart(int poolSize);

    /** Called once, with {@link #cachesToStart} caches in {@link #caches}. */
    void start() {
    }

    /** Adds this job's decode tokens (one per generating sequence) to the step. */
    void addDecode(Step step) {
    }

    /** Adds prompt tokens, as far as the step has room and logits rows. */
    abstract void addPrefill(Step step);

    /**
     * After a step's rows were delivered: completes the job, or moves it on. {@code mayTakeMore}: no request
     * waits for a cache, so the job may take more from the pool.
     */
    void afterStep(CachePool pool, boolean mayTakeMore) {
    }

    boolean done() {
        return future.isDone();
    }

    void fail(Throwable t) {
        future.completeExceptionally(t);
    }
}
