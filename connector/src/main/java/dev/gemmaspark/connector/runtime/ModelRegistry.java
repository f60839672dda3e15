package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.GemmaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models loaded in this JVM (an executor, or the driver in local mode), one per {@link ModelKey}.
 * The first task that needs a model loads it while the other tasks that need the same key wait; every
 * later task shares it. Models stay loaded until {@link #closeAll()}, which the executor plugin calls
 * when the executor stops.
 */
public final class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final ConcurrentHashMap<ModelKey, Slot> SLOTS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ModelRegistry() {}

    /** Holds one key's model; its monitor makes concurrent first users wait for a single load. */
    private static final class Slot {
        private SharedModel model;

        synchronized SharedModel get(ModelKey key, Configuration hadoopConf) {
            if (model == null) {
                model = load(key, hadoopConf);
            }
            return model;
        }

        synchronized SharedModel release() {
            SharedModel m = model;
            model = null;
            return m;
        }
    }

    /**
     * The model for {@code key}, loading it on first use; a remote file is first copied to local disk
     * with {@code hadoopConf}. A failed load is not remembered: the next task tries again.
     */
    public static SharedModel acquire(ModelKey key, Configuration hadoopConf) {
        return SLOTS.computeIfAbsent(key, k -> new Slot()).get(key, hadoopConf);
    }

    /** How many models this JVM has loaded since it started. */
    public static int loadCount() {
        return LOADS.get();
    }

    /** Closes every loaded model, logging the batch sizes each one ran. */
    public static void closeAll() {
        List<ModelKey> keys = new ArrayList<>(SLOTS.keySet());
        for (ModelKey key : keys) {
            Slot slot = SLOTS.remove(key);
            SharedModel m = slot == null ? null : slot.release();
            if (m != null) {
                LOG.info("Closing Gemma model {}: engine batches {}", key.model(), m.stats());
                m.close();
            }
        }
    }

    private static SharedModel load(ModelKey key, Configuration hadoopConf) {
        long start = System.nanoTime();
        Path local;
        Path audio = null;
        try {
            local = ModelLocalizer.localPath(key.model(), key.localCacheDir(), hadoopConf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy model " + key.model() + " to local disk: " + e.getMessage(), e);
        }
        if (key.audioWeights() != null) {
            try {
                audio = ModelLocalizer.localCheckpoint(key.audioWeights(), key.localCacheDir(), hadoopConf);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy audio weights " + key.audioWeights() + " to local disk: "
                        + e.getMessage(), e);
            }
        }
        GemmaModel model = GemmaModel.load(local, audio, key.options());
        int n = LOADS.incrementAndGet();
        LOG.info("Loaded Gemma model {}{} from {} with {} engine threads in {} ms (model load #{} of this JVM)",
                key.model(), audio == null ? "" : " with audio weights " + key.audioWeights(), local,
                key.options().threads(), (System.nanoTime() - start) / 1_000_000, n);
        return new SharedModel(key, model);
    }
}
