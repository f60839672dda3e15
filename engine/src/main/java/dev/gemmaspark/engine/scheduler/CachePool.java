package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.model.ForwardBackend;
import dev.gemmaspark.engine.model.KVCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** At most {@code size} KV caches of one shape, allocated by the backend when first needed and reused. */
final class CachePool implements AutoCloseable {
    private final ForwardBackend backend;
    private final int contextLength;
    private final int maxChunk;
    private final int size;
    private final ArrayDeque<KVCache> free = new ArrayDeque<>();
    private final List<KVCache> all = new ArrayList<>();
    private int inUse;

    CachePool(ForwardBackend backend, int contextLength, int maxChunk, int size) {
        this.backend = backend;
        this.contextLength = contextLength;
        this.maxChunk = maxChunk;
        this.size = size;
    }

    int size() {
        return size;
    }

    int available() {
        return size - inUse;
    }

    /** A cache, or null when all {@code size} are in use. Its contents are what its last user left. */
    KVCache acquire() {
        if (inUse == size) {
            return null;
        }
        inUse++;
        if (!free.isEmpty()) {
            return free.poll();
        }
        KVCache cache = backend.newCache(contextLength, maxChunk);
        all.add(cache);
        return cache;
    }

    void release(KVCache cache) {
        inUse--;
        free.add(cache);
    }

    /** Returns every cache of {@code job}. */
    void releaseAll(Job<?> job) {
        job.caches.forEach(this::release);
        job.caches.clear();
    }

    /** Frees the memory of every cache. */
    @Override
    public void close() {
        all.forEach(KVCache::close);
        all.clear();
        free.clear();
    }
}
