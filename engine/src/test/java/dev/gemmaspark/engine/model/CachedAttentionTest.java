package dev.gemmaspark.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gemmaspark.engine.kernel.ThreadPool;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Attention over the KV cache against a direct double-precision computation of softmax(q k) v over the positions
 * each query sees, and bit for bit against itself whichever batch, block of tokens or chunk of positions a query
 * falls in: prompts of 20 tokens (two blocks), with a second sequence in the same batch, against one token at a time.
 */
class CachedAttentionTest {
    private static final ThreadPool POOL = new ThreadPool(3);
    /** Head width 72: whole groups of four vectors, single vectors and (at 512 bits) scalar tails all occur. */
    private static final int HEAD_DIM = 72;
    private static final int WINDOW = 20;
    private static final int CONTEXT = 120;
    private static final int CHUNK = 20;
    private static final int POSITIONS = 100;
    /** Layer 0 slides (a ring of WINDOW + CHUNK slots, which wraps), layer 1 sees the whole context. */
    private static final Gemma3nConfig CONFIG = new Gemma3nConfig(2, 64, 4, 2, HEAD_DIM, 128, 16, CONTEXT, WINDOW,
            10_000f, 10_000f, 1e-6f, new boolean[] {true, false});

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @Test
    void matchesDirectAttentionAndIsTheSameInEveryBatch() {
        int qd = CONFIG.qDim();
        int kvd = CONFIG.kvDim();
        Random rnd = new Random(5);
        float[][] keys = new float[2][];
        float[][] values = new float[2][];
        float[][] queries = new float[2][];
        for (int s = 0; s < 2; s++) {
            keys[s] = uniform(rnd, POSITIONS * kvd);
            values[s] = uniform(rnd, POSITIONS * kvd);
            queries[s] = uniform(rnd, POSITIONS * qd);
        }
        CachedAttention attention = new CachedAttention(CONFIG, POOL, 2 * CHUNK, CONTEXT);
        for (int layer = 0; layer < 2; layer++) {
            boolean sliding = CONFIG.sliding()[layer];
            float[][] batched = new float[2][POSITIONS * qd];
            float[] alone = new float[POSITIONS * qd];
            try (KVCache a = new KVCache(CONFIG, CONTEXT, CHUNK); KVCache b = new KVCache(CONFIG, CONTEXT, CHUNK);
                 KVCache single = new KVCache(CONFIG, CONTEXT, CHUNK)) {
                KVCache[] pair = {a, b};
                ForwardBatch batch = new ForwardBatch(2 * CHUNK);
                float[] q = new float[2 * CHUNK * qd];
                float[] out = new float[2 * CHUNK * qd];
                for (int p0 = 0; p0 < POSITIONS; p0 += CHUNK) {
                    // Both sequences' next prompt chunk in one batch.
                    batch.clear();
                    for (int s = 0; s < 2; s++) {
                        for (int p = p0; p < p0 + CHUNK; p++) {
                            pair[s].write(layer, p, keys[s], p * kvd, values[s], p * kvd);
                            System.arraycopy(queries[s], p * qd, q, batch.size() * qd, qd);
                            batch.add(0, p, pair[s], false);
                        }
                    }
                    attention.attend(batch, batch.size(), layer, sliding, q, out);
                    for (int s = 0; s < 2; s++) {
                        System.arraycopy(out, s * CHUNK * qd, batched[s], p0 * qd, CHUNK * qd);
                    }
                    // Sequence 0 again, one token per batch.
                    for (int p = p0; p < p0 + CHUNK; p++) {
                        single.write(layer, p, keys[0], p * kvd, values[0], p * kvd);
                        batch.clear();
                        batch.add(0, p, single, false);
                        System.arraycopy(queries[0], p * qd, q, 0, qd);
                        attention.attend(batch, 1, layer, sliding, q, out);
                        System.arraycopy(out, 0, alone, p * qd, qd);
                    }
                }
            }
            assertArrayEquals(batched[0], alone, 0f, "layer " + layer + ": prompt chunks against one token at a time");
            for (int s = 0; s < 2; s++) {
                double[] expected = direct(queries[s], keys[s], values[s], sliding);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], batched[s][i], 2e-5, "layer " + layer + " sequence " + s + " element " + i);
                }
            }
        }
    }

    /** softmax(q . k) v in double, for every position's every head over the positions it sees. */
    private static double[] direct(float[] queries, float[] keys, float[] values, boolean sliding) {
        int hd = HEAD_DIM;
        int group = CONFIG.nHead() / CONFIG.nHeadKv();
        double[] out = new double[POSITIONS * CONFIG.qDim()];
        for (int p = 0; p < POSITIONS; p++) {
            int first = sliding ? Math.max(0, p - WINDOW + 1) : 0;
            for (int h = 0; h < CONFIG.nHead(); h++) {
                int qOff = p * CONFIG.qDim() + h * hd;
                int kvHead = h / group;
                double[] w = new double[p - first + 1];
                for (int j = first; j <= p; j++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += (double) queries[qOff + i] * keys[j * CONFIG.kvDim() + kvHead * hd + i];
                    }
                    w[j - first] = dot;
                }
                double max = Arrays.stream(w).max().orElseThrow();
                double sum = 0;
                for (int j = 0; j < w.length; j++) {
                    w[j] = Math.exp(w[j] - max);
                    sum += w[j];
                }
                for (int j = first; j <= p; j++) {
                    for (int i = 0; i < hd; i++) {
                        out[qOff + i] += w[j - first] / sum * values[j * CONFIG.kvDim() + kvHead * hd + i];
                    }
                }
            }
        }
        return out;
    }

    private static float[] uniform(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextFloat() * 2 - 1;
        }
        return a;
    }
}
