package dev.gemmaspark.engine.sampling;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Picks the next token of one request from a row of logits. Temperature 0 is greedy: the argmax, the lowest id
 * winning ties. Otherwise the steps are those of llama.cpp's default sampler chain, in its order: repetition
 * penalty, top-k, top-p, min-p, temperature, then a draw from the request's own random stream, seeded with
 * {@link SamplingParams#seed()}: the same seed and the same logits always give the same tokens. (The stream is
 * not llama.cpp's mt19937, so sampled tokens differ from llama.cpp's; greedy tokens do not.)
 *
 * <p>A sampler holds one request's state (its recent tokens, its random stream) and buffers reused for every
 * token, so it serves one request on one thread at a time. The buffers are sized to top-k when top-k is set,
 * to the vocabulary otherwise; a greedy sampler has none.
 */
public final class Sampler {
    /** Tokens the repetition penalty looks back over (llama.cpp's {@code penalty_last_n} default). */
    public static final int PENALTY_WINDOW = 64;

    private final SamplingParams params;
    private final int vocabSize;
    private final SplittableRandom random;

    private final int[] recent = new int[PENALTY_WINDOW];
    private long accepted;
    private final int[] penalizedIds = new int[PENALTY_WINDOW];
    private final float[] savedLogits = new float[PENALTY_WINDOW];

    /** Candidate tokens packed by {@link #key}: ascending order is best first. */
    private final long[] keys;
    private final float[] weights;
    /** The candidates that survive the filters: {@code keys[from, to)}. */
    private int from;
    private int to;

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = Objects.requireNonNull(params, "params");
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.random = new SplittableRandom(params.seed());
        int buffer = params.greedy() ? 0 : usesTopK() ? params.topK() : vocabSize;
        this.keys = new long[buffer];
        this.weights = new float[buffer];
    }

    /** Adds a token to the history the repetition penalty looks at (feed the prompt here before sampling). */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary (0.." + (vocabSize - 1)
                    + ")");
        }
        recent[(int) (accepted++ % PENALTY_WINDOW)] = token;
    }

    public void accept(int[] tokens) {
        for (int t : tokens) {
            accept(t);
        }
    }

    /**
     * Picks the next token from {@code logits[offset, offset + vocabSize)} and adds it to the history. The row is
     * left as it was (the penalty is applied in place and undone before returning, which spares a copy of the
     * row), so it must not be read by another thread meanwhile.
     */
    public int sample(float[] logits, int offset) {
        Objects.checkFromIndexSize(offset, vocabSize, logits.length);
        int penalized = penalize(logits, offset);
        int token;
        try {
            token = params.greedy() ? argmax(logits, offset) : draw(logits, offset);
        } finally {
            restore(logits, offset, penalized);
        }
        accept(token);
        return token;
    }

    /**
     * The tokens the next {@link #sample} chooses among and their probabilities, in no particular order; returns
     * how many. Consumes no randomness and changes no state. {@code ids} and {@code probs} must be large enough
     * for every survivor (top-k, or the vocabulary when top-k is off).
     */
    public int distribution(float[] logits, int offset, int[] ids, float[] probs) {
        Objects.checkFromIndexSize(offset, vocabSize, logits.length);
        int penalized = penalize(logits, offset);
        try {
            if (params.greedy()) {
                ids[0] = argmax(logits, offset);
                probs[0] = 1f;
                return 1;
            }
            double sum = filterAndWeigh(logits, offset);
            for (int i = from; i < to; i++) {
                ids[i - from] = (int) keys[i];
                probs[i - from] = (float) (weights[i] / sum);
            }
            return to - from;
        } finally {
            restore(logits, offset, penalized);
        }
    }

    private boolean usesTopK() {
        return params.topK() > 0 && params.topK() < vocabSize;
    }

    /**
     * llama.cpp's penalty_repeat, once per distinct recent token: positive logits are divided by the penalty,
     * the others multiplied. Saves the originals for {@link #restore}; returns how many were changed.
     */
    private int penalize(float[] logits, int offset) {
        float penalty = params.repetitionPenalty();
        if (penalty == 1f) {
            return 0;
        }
        int window = (int) Math.min(accepted, PENALTY_WINDOW);
        int n = 0;
        outer:
        for (int i = 0; i < window; i++) {
            int id = recent[i];
            for (int j = 0; j < n; j++) {
                if (penalizedIds[j] == id) {
                    continue outer;
                }
            }
            float l = logits[offset + id];
            penalizedIds[n] = id;
            savedLogits[n++] = l;
            logits[offset + id] = l <= 0f ? l * penalty : l / penalty;
        }
        return n;
    }

    private void restore(float[] logits, int offset, int n) {
        for (int j = 0; j < n; j++) {
            logits[offset + penalizedIds[j]] = savedLogits[j];
        }
    }

    private int argmax(float[] logits, int offset) {
        int best = 0;
        float bestLogit = logits[offset];
        for (int id = 1; id < vocabSize; id++) {
            if (logits[offset + id] > bestLogit) {
                bestLogit = logits[offset + id];
                best = id;
            }
        }
        return best;
    }

    private int draw(float[] logits, int offset) {
        double sum = filterAndWeigh(logits, offset);
        double u = random.nextDouble() * sum;
        double acc = 0;
        for (int i = from; i < to - 1; i++) {
            acc += weights[i];
            if (u < acc) {
                return (int) keys[i];
            }
        }
        return (int) keys[to - 1];
    }

    /** Leaves the survivors of top-k, top-p and min-p in {@code keys[from, to)}, weighs them, returns the sum. */
    private double filterAndWeigh(float[] logits, int offset) {
        if (usesTopK()) {
            filterTopK(logits, offset);
        } else {
            filterAll(logits, offset);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            max = Math.max(max, logit(logits, offset, keys[i]));
        }
        double invTemperature = 1.0 / params.temperature();
        double sum = 0;
        for (int i = from; i < to; i++) {
            weights[i] = (float) StrictMath.exp((logit(logits, offset, keys[i]) - max) * invTemperature);
            sum += weights[i];
        }
        return sum;
    }

    /**
     * Top-k by a bounded heap over the vocabulary (no full sort), the k sorted best first; then top-p (with
     * probabilities over the k, as llama.cpp computes them) and min-p each keep a prefix of that order.
     */
    private void filterTopK(float[] logits, int offset) {
        int k = params.topK();
        // The heap holds ~key, so its root is the worst of the k best so far.
        for (int id = 0; id < k; id++) {
            keys[id] = ~key(logits[offset + id], id);
        }
        heapify(keys, k);
        for (int id = k; id < vocabSize; id++) {
            long inverted = ~key(logits[offset + id], id);
            if (inverted > keys[0]) {
                keys[0] = inverted;
                siftDown(keys, 0, k);
            }
        }
        // Heapsort: each extracted root goes to the end, so keys ends best first.
        for (int end = k - 1; end > 0; end--) {
            swap(keys, 0, end);
            siftDown(keys, 0, end);
        }
        for (int i = 0; i < k; i++) {
            keys[i] = ~keys[i];
        }
        float best = logit(logits, offset, keys[0]);
        int n = k;
        if (params.topP() < 1f) {
            double total = 0;
            for (int i = 0; i < k; i++) {
                total += StrictMath.exp(logit(logits, offset, keys[i]) - best);
            }
            double target = params.topP() * total;
            double cum = 0;
            for (int i = 0; i < k; i++) {
                cum += StrictMath.exp(logit(logits, offset, keys[i]) - best);
                if (cum >= target) {
                    n = i + 1;
                    break;
                }
            }
        }
        if (params.minP() > 0f) {
            float floor = best + (float) StrictMath.log(params.minP());
            int i = 1;
            while (i < n && logit(logits, offset, keys[i]) >= floor) {
                i++;
            }
            n = i;
        }
        from = 0;
        to = n;
    }

    /**
     * No top-k: min-p is a threshold on the logit (max + ln minP), applied while collecting. Top-p needs the
     * most likely tokens in order, but only until their mass reaches p: a heap yields them best first without
     * sorting the rest.
     */
    private void filterAll(float[] logits, int offset) {
        float max = Float.NEGATIVE_INFINITY;
        for (int id = 0; id < vocabSize; id++) {
            max = Math.max(max, logits[offset + id]);
        }
        float floor = params.minP() > 0f ? max + (float) StrictMath.log(params.minP()) : Float.NEGATIVE_INFINITY;
        boolean nucleus = params.topP() < 1f;
        double total = 0;
        int n = 0;
        for (int id = 0; id < vocabSize; id++) {
            float l = logits[offset + id];
            if (nucleus) {
                total += StrictMath.exp(l - max);
            }
            if (l >= floor) {
                keys[n++] = key(l, id);
            }
        }
        from = 0;
        to = n;
        if (!nucleus) {
            return;
        }
        heapify(keys, n);
        double target = params.topP() * total;
        double cum = 0;
        int heap = n;
        while (heap > 0) {
            long best = keys[0];
            keys[0] = keys[--heap];
            keys[heap] = best;
            siftDown(keys, 0, heap);
            cum += StrictMath.exp(logit(logits, offset, best) - max);
            if (cum >= target) {
                break;
            }
        }
        from = heap;
    }

    private static float logit(float[] logits, int offset, long key) {
        return logits[offset + (int) key];
    }

    /**
     * Packs a logit and its id into a long whose ascending order is descending logit, then ascending id: the
     * order the filters keep prefixes of. The high half is the logit's bits made order-preserving as a signed
     * int, then inverted; the low half is the id.
     */
    static long key(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit + 0f); // + 0f turns -0.0 into 0.0
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | id;
    }

    private static void heapify(long[] heap, int size) {
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(heap, i, size);
        }
    }

    /** Min-heap sift-down of {@code heap[i]} within {@code heap[0, size)}. */
    private static void siftDown(long[] heap, int i, int size) {
        long v = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= v) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = v;
    }

    private static void swap(long[] a, int i, int j) {
        long t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
