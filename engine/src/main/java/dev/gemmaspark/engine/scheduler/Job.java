package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.model.KVCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request while the scheduler holds it. A live job holds KV caches from the {@link CachePool}: at least
 * as many as it needs to finish without more, so live jobs never wait on each other for caches.
 *
 * <p>Every job feeds its {@link #prefixTokens} into its first cache from position 0 (a prompt, a scored text, a
 * classification's context); the {@link PrefixCache} may hand it their leading KV entries at the start and keeps
 * those it computes.
 */
abstract class Job<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    /** Caches held; all go back to the pool when the job leaves. */
    final List<KVCache> caches = new ArrayList<>(2);
    /** The last step that held tokens of this job (see {@link Step#participants()}). */
    long lastStep = -1;

    /** The tokens fed into {@code caches.getFirst()} from position 0. */
    final int[] prefixTokens;
    /** Leading positions that may come from the prefix cache: none whose logits the job needs. */
    final int prefixServable;
    /** Leading positions whose KV entries the prefix cache may keep: fed with their token ids, not embeddings. */
    final int prefixStorable;
    /** Positions copied from the prefix cache at the start instead of computed. */
    int cachedPrefix;
    /** The prefix-cache block this job's kept positions end at, or null once it keeps no more. */
    PrefixCache.Node prefixTail;
    /** Leading positions held in the prefix cache up to {@link #prefixTail}. */
    int prefixKept;
    /** While waiting: a live job computing a longer shared prefix, and how far this job waits for it to keep. */
    Job<?> prefixSource;
    int prefixWanted;

    Job(int[] prefixTokens, int prefixServable, int prefixStorable) {
        this.prefixTokens = prefixTokens;
        this.prefixServable = prefixServable;
        this.prefixStorable = prefixStorable;
    }

    /** Caches this job must hold to start, with {@code poolSize} caches in all. */
    abstract int cachesToStart(int poolSize);

    /**
     * Called once, with {@link #cachesToStart} caches in {@link #caches}, the first holding positions {@code [0,
     * cached)} of {@link #prefixTokens} (copied from the prefix cache).
     */
    abstract void start(int cached);

    /** Positions of {@link #prefixTokens} that the steps run so far wrote into {@code caches.getFirst()}. */
    abstract int prefixWritten();

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
