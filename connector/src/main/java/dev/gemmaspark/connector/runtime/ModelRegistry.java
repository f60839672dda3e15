package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GemmaWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (an executor, or the driver in local mode), in two levels as llama.cpp keeps a model
 * apart from its contexts: the weights of each file (with its load-time transforms) are loaded once and shared by
 * every context on them; a context (thread pool, scheduler, KV memory) exists per {@link ModelKey.Context}.
 *
 * <p>The first task that needs a context creates it while the other tasks that need the same one wait; later tasks
 * share it. A task holds a lease on its context until it completes; a context no task holds is closed, with its
 * threads and KV memory, when more than {@value #MAX_IDLE_CONTEXTS} such contexts exist (least recently used first)
 * or after {@value #IDLE_MINUTES} minutes unused, and weights are closed with their last context. A context whose
 * engine broke (its model file faulted under it, say), or whose model file changed on disk since it was loaded, is
 * dropped with its weights, so that the next task loads the file again or fails with the reason. {@link #closeAll()} runs when the executor stops.
 */
public final class ModelRegistry {
    static final int MAX_IDLE_CONTEXTS = 2;
    static final long IDLE_MINUTES = 10;
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final Object LOCK = new Object();
    private static final Map<ModelKey.Weights, WeightsSlot> WEIGHTS = new HashMap<>();
    private static final Map<ModelKey.Context, ContextSlot> CONTEXTS = new HashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final AtomicInteger CONTEXTS_MADE = new AtomicInteger();
    private static ScheduledExecutorService sweeper;

    private ModelRegistry() {}

    /** One file's weights and how many contexts use them; its monitor makes concurrent first users wait for one load. */
    private static final class WeightsSlot {
        final ModelKey.Weights key;
        /** Contexts (open or being created) on these weights; guarded by LOCK. */
        int contexts;
        /** Set when a context on these weights broke: no new context may use them. Guarded by LOCK. */
        boolean broken;
        private volatile GemmaWeights weights;

        WeightsSlot(ModelKey.Weights key) {
            this.key = key;
        }

        synchronized GemmaWeights get(ModelKey request, Configuration hadoopConf) {
            if (weights == null) {
                weights = loadWeights(request, hadoopConf);
            }
            return weights;
        }

        synchronized void close() {
            if (weights != null) {
                weights.close();
                weights = null;
            }
        }

        /** Whether the file these weights were loaded from has changed on disk since (see GemmaWeights#changedOnDisk). */
        boolean changedOnDisk() {
            GemmaWeights w = weights;
            String change = w == null ? null : w.changedOnDisk();
            if (change != null) {
                LOG.warn("Gemma model {} changed on disk since it was loaded: {}; loading it again (replace model files"
                        + " by rename, never rewrite them in place)", key.model(), change);
            }
            return change != null;
        }
    }

    /** One context and the tasks holding it; its monitor makes concurrent first users wait for one creation. */
    private static final class ContextSlot {
        final ModelKey.Context key;
        final WeightsSlot weights;
        /** Tasks holding this context; guarded by LOCK. */
        int leases;
        /** When the last lease ended; guarded by LOCK. */
        long lastUsedNanos = System.nanoTime();
        /** Out of the map: closed when its last lease ends. Guarded by LOCK. */
        boolean retired;
        /** Closed for good. Guarded by LOCK. */
        boolean closed;
        private volatile SharedModel model;

        ContextSlot(ModelKey.Context key, WeightsSlot weights) {
            this.key = key;
            this.weights = weights;
        }

        synchronized SharedModel get(ModelKey request, Configuration hadoopConf) {
            if (model == null) {
                GemmaWeights w = weights.get(request, hadoopConf);
                model = new SharedModel(request, GemmaModel.create(w, request.options()));
                int n = CONTEXTS_MADE.incrementAndGet();
                LOG.info("Gemma context #{} on {}: context length {}, {} sequences, {} engine threads", n,
                        request.model(), model.engine().contextLength(), model.engine().maxSequences(),
                        request.options().threads());
            }
            return model;
        }

        boolean isBroken() {
            SharedModel m = model;
            return m != null && m.isBroken();
        }

        synchronized void close() {
            if (model != null) {
                LOG.info("Closing Gemma context on {}: engine batches {}", model.key().model(), model.stats());
                model.close();
                model = null;
            }
        }
    }

    /**
     * The context for {@code key}, creating it (and loading its weights) on first use; a remote file is first
     * copied to local disk with {@code hadoopConf}. Called from a Spark task, the task holds the context until it
     * completes; called elsewhere, nothing holds it. A failed load is not remembered: the next task tries again.
     */
    public static SharedModel acquire(ModelKey key, Configuration hadoopConf) {
        TaskContext task = TaskContext.get();
        ContextSlot slot = lease(key, task != null);
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) t -> release(slot));
        }
        try {
            return slot.get(key, hadoopConf);
        } catch (RuntimeException | Error e) {
            retire(slot);
            throw e;
        }
    }

    private static ContextSlot lease(ModelKey key, boolean counted) {
        synchronized (LOCK) {
            ModelKey.Context contextKey = key.context();
            ContextSlot slot = CONTEXTS.get(contextKey);
            if (slot != null && (slot.weights.broken || slot.isBroken() || slot.weights.changedOnDisk())) {
                retireBroken(slot);
                slot = null;
            }
            if (slot == null) {
                WeightsSlot weights = WEIGHTS.computeIfAbsent(key.weights(), WeightsSlot::new);
                weights.contexts++;
                slot = new ContextSlot(contextKey, weights);
                CONTEXTS.put(contextKey, slot);
            }
            if (counted) {
                slot.leases++;
            }
            return slot;
        }
    }

    private static void release(ContextSlot slot) {
        synchronized (LOCK) {
            slot.leases--;
            slot.lastUsedNanos = System.nanoTime();
            if (slot.retired) {
                closeIfUnused(slot);
            } else if (slot.isBroken()) {
                retireBroken(slot);
            }
            sweep(false);
        }
        startSweeper();
    }

    /** A context whose engine broke takes its weights out of use too: their file is what failed. */
    private static void retireBroken(ContextSlot slot) {
        slot.weights.broken = true;
        WEIGHTS.remove(slot.weights.key, slot.weights);
        for (ContextSlot other : List.copyOf(CONTEXTS.values())) {
            if (other.weights == slot.weights) {
                retire(other);
            }
        }
        retire(slot);
    }

    /** Takes {@code slot} out of the map; it closes once no task holds it. */
    private static void retire(ContextSlot slot) {
        synchronized (LOCK) {
            CONTEXTS.remove(slot.key, slot);
            slot.retired = true;
            closeIfUnused(slot);
        }
    }

    private static void closeIfUnused(ContextSlot slot) {
        if (!slot.retired || slot.leases > 0 || slot.closed) {
            return;
        }
        slot.closed = true;
        slot.close();
        if (--slot.weights.contexts == 0) {
            WEIGHTS.remove(slot.weights.key, slot.weights);
            slot.weights.close();
        }
    }

    /**
     * Closes contexts no task holds: idle longer than {@value #IDLE_MINUTES} minutes, or (least recently used
     * first) beyond {@value #MAX_IDLE_CONTEXTS} of them; {@code all} closes every one.
     */
    private static void sweep(boolean all) {
        long now = System.nanoTime();
        List<ContextSlot> idle = new ArrayList<>();
        for (ContextSlot s : CONTEXTS.values()) {
            if (s.leases == 0) {
                idle.add(s);
            }
        }
        idle.sort(Comparator.comparingLong((ContextSlot s) -> s.lastUsedNanos).reversed());
        for (int i = 0; i < idle.size(); i++) {
            ContextSlot s = idle.get(i);
            if (all || i >= MAX_IDLE_CONTEXTS || now - s.lastUsedNanos > TimeUnit.MINUTES.toNanos(IDLE_MINUTES)) {
                retire(s);
            }
        }
    }

    private static synchronized void startSweeper() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gemma-registry-sweeper");
                t.setDaemon(true);
                return t;
            });
            sweeper.scheduleWithFixedDelay(() -> {
                synchronized (LOCK) {
                    sweep(false);
                }
            }, 1, 1, TimeUnit.MINUTES);
        }
    }

    /** How many times this JVM has loaded model weights since it started. */
    public static int loadCount() {
        return LOADS.get();
    }

    /** How many inference contexts this JVM has created since it started. */
    public static int contextCount() {
        return CONTEXTS_MADE.get();
    }

    /** Contexts open now (held by tasks or idle). */
    public static int openContexts() {
        synchronized (LOCK) {
            return CONTEXTS.size();
        }
    }

    /**
     * Closes every context, held or not, and their weights (requests still running fail); the executor plugin calls
     * it when the executor stops.
     */
    public static void closeAll() {
        synchronized (LOCK) {
            for (ContextSlot s : List.copyOf(CONTEXTS.values())) {
                s.leases = 0;
                retire(s);
            }
        }
    }

    /** A copy of one file on local disk, made by {@link ModelLocalizer}. */
    private interface LocalCopy {
        Path make() throws IOException;
    }

    private static Path localize(String what, String source, LocalCopy copy) {
        try {
            return copy.make();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + what + " " + source + " to local disk: " + e.getMessage(), e);
        }
    }

    private static GemmaWeights loadWeights(ModelKey key, Configuration hadoopConf) {
        long start = System.nanoTime();
        Path local = localize("model", key.model(),
                () -> ModelLocalizer.localPath(key.model(), key.localCacheDir(), hadoopConf));
        Path audio = key.audioWeights() == null ? null : localize("audio weights", key.audioWeights(),
                () -> ModelLocalizer.localCheckpoint(key.audioWeights(), key.localCacheDir(), hadoopConf));
        Path projector = key.mmproj() == null ? null : localize("vision projector", key.mmproj(),
                () -> ModelLocalizer.localPath(key.mmproj(), key.localCacheDir(), hadoopConf));
        GemmaWeights weights = GemmaWeights.load(local, audio, key.options().audioQ8_0(), projector);
        int n = LOADS.incrementAndGet();
        LOG.info("Loaded Gemma weights {}{}{} from {} in {} ms (load #{} of this JVM)", key.model(),
                audio == null ? "" : " with audio weights " + key.audioWeights(),
                projector == null ? "" : " with vision projector " + key.mmproj(), local,
                (System.nanoTime() - start) / 1_000_000, n);
        return weights;
    }
}
