package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.model.KVCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The log-likelihoods of k continuations of one context. The context is prefilled once, into the master
 * cache; its last logits row scores the first token of every continuation. Each continuation of two or more
 * tokens then runs in a cache holding a copy of the context's entries ({@link KVCache#copyPrefix}), fed from
 * the position after the context; the last one runs in the master itself. Every position's numbers are
 * those of the same tokens scored alone (the forward pass computes a token from its own position and cache
 * entries only), so each continuation's result equals that of a score of context + continuation. The context's
 * leading blocks may come from the {@link PrefixCache}, like a prompt's.
 *
 * <p>The job starts with two caches (the master and one for copies), enough to finish alone; it takes more
 * for parallel continuations while no request waits for one. With a pool of one cache it runs the
 * continuations one after another in the master, the second and later ones prefilling the context again.
 */
final class ClassifyJob extends Job<List<ScoreResult>> {
    private final int[] context;
    private final List<int[]> continuations;
    private final int vocabSize;
    private final double[][] logprobs;
    /** Continuations of two or more tokens not yet started. */
    private final ArrayDeque<Integer> pending = new ArrayDeque<>();
    private final List<Track> running = new ArrayList<>();
    /** Caches of this job that hold nothing needed. */
    private final ArrayDeque<KVCache> idle = new ArrayDeque<>();
    private KVCache master;
    private Track contextTrack;
    private boolean contextDone;
    /** The master still holds the context and nothing after it. */
    private boolean masterIntact = true;
    private boolean masterFree;

    ClassifyJob(int[] context, List<int[]> continuations, int vocabSize) {
        super(context, context.length - 1, context.length);
        this.context = context;
        this.continuations = continuations;
        this.vocabSize = vocabSize;
        this.logprobs = new double[continuations.size()][];
        for (int j = 0; j < logprobs.length; j++) {
            logprobs[j] = new double[continuations.get(j).length];
            if (logprobs[j].length >= 2) {
                pending.add(j);
            }
        }
    }

    @Override
    int cachesToStart(int poolSize) {
        return pending.size() >= 2 ? Math.min(2, poolSize) : 1;
    }

    @Override
    void start(int cached) {
        master = caches.getFirst();
        idle.addAll(caches.subList(1, caches.size()));
        int n = context.length;
        contextTrack = new Track(this, context, master, cached, n, n - 1) {
            @Override
            public void row(int position, float[] logits, int offset) {
                LogSoftmax row = new LogSoftmax(logits, offset, vocabSize);
                for (int j = 0; j < logprobs.length; j++) {
                    if (logprobs[j].length > 0) {
                        logprobs[j][0] = row.of(continuations.get(j)[0]);
                    }
                }
            }
        };
    }

    /** The context's positions; the continuations' go on after them, in the master or in copies. */
    @Override
    int prefixWritten() {
        return contextTrack.fed();
    }

    @Override
    void addPrefill(Step step) {
        if (!contextDone) {
            contextTrack.addTo(step);
            return;
        }
        for (Track t : running) {
            if (!t.finished()) {
                t.addTo(step);
            }
        }
    }

    @Override
    void afterStep(CachePool pool, boolean mayTakeMore) {
        if (!contextDone) {
            if (!contextTrack.finished()) {
                return;
            }
            contextDone = true;
            masterFree = true;
        }
        for (Iterator<Track> it = running.iterator(); it.hasNext(); ) {
            Track t = it.next();
            if (t.finished()) {
                it.remove();
                if (t.cache == master) {
                    masterFree = true;
                } else {
                    idle.add(t.cache);
                }
            }
        }
        startContinuations(pool, mayTakeMore);
        if (pending.isEmpty()) {
            for (KVCache c : idle) {
                caches.remove(c);
                pool.release(c);
            }
            idle.clear();
            if (running.isEmpty()) {
                List<ScoreResult> results = new ArrayList<>(logprobs.length);
                for (double[] lp : logprobs) {
                    results.add(ScoreJob.result(lp, List.of(), cachedPrefix));
                }
                future.complete(List.copyOf(results));
            }
        }
    }

    private void startContinuations(CachePool pool, boolean mayTakeMore) {
        int n = context.length;
        while (!pending.isEmpty()) {
            if (masterIntact && pending.size() > 1) {
                KVCache copy = idle.poll();
                if (copy == null && mayTakeMore) {
                    copy = pool.acquire();
                    if (copy != null) {
                        caches.add(copy);
                    }
                }
                if (copy != null) {
                    copy.copyPrefix(master, n);
                    run(pending.poll(), copy, n);
                    continue;
                }
            }
            // the last continuation takes the master; without a second cache, each takes it in turn
            if (masterFree && (pending.size() == 1 || caches.size() == 1)) {
                run(pending.poll(), master, masterIntact ? n : 0);
                masterIntact = false;
                masterFree = false;
                continue;
            }
            return;
        }
    }

    /** Runs continuation {@code j} in {@code cache}, which holds the context's first {@code fed} positions. */
    private void run(int j, KVCache cache, int fed) {
        int[] cont = continuations.get(j);
        int n = context.length;
        int[] tokens = new int[n + cont.length];
        System.arraycopy(context, 0, tokens, 0, n);
        System.arraycopy(cont, 0, tokens, n, cont.length);
        double[] out = logprobs[j];
        running.add(new Track(this, tokens, cache, fed, tokens.length - 1, n) {
            @Override
            public void row(int position, float[] logits, int offset) {
                out[position + 1 - n] = new LogSoftmax(logits, offset, vocabSize).of(tokens[position + 1]);
            }
        });
    }
}
