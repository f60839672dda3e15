package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden.Npy;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each stage of the encoder fed the reference's own input for that stage and compared with the reference's output,
 * for every case of {@code golden/audio/small_sharp}.
 */
class AudioEncoderStageTest {
    private static ThreadPool pool;
    private static AudioEncoder encoder;
    private static AudioConfig config;

    @BeforeAll
    static void load() throws java.io.IOException {
        pool = new ThreadPool(2);
        config = SmallSharp.config();
        encoder = AudioEncoder.load(SmallSharp.weights(), config, pool);
    }

    @AfterAll
    static void close() {
        encoder.close();
        pool.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "batch3"})
    void subsampleConvolutions(String c) {
        List<MelFeatures> features = SmallSharp.features(c);
        Npy conv0 = SmallSharp.tap(c, "sscp.conv_0");
        Npy conv1 = SmallSharp.tap(c, "sscp.conv_1");
        for (int b = 0; b < features.size(); b++) {
            float[] y0 = encoder.sscp.block0(pool, features.get(b));
            int t1 = conv0.dim(2);
            assertChannelsFirst(c + " conv_0[" + b + "]", y0, conv0, b, t1);
            float[] y1 = encoder.sscp.block1(pool, y0, t1);
            assertChannelsFirst(c + " conv_1[" + b + "]", y1, conv1, b, conv1.dim(2));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s",
        "batch3"})
    void subsampleOutputAndMask(String c) {
        AudioEncoder.Steps steps = encoder.subsample(SmallSharp.features(c));
        Npy invalid = SmallSharp.tap(c, "conformer.mask_invalid");
        ClipBatch expected = SmallSharp.batchFromMask(invalid);
        assertMasksEqual(expected, steps.batch());
        SmallSharp.assertRows(c + " sscp.out", steps.hidden(), SmallSharp.tap(c, "sscp.out"), steps.batch(), config.hiddenSize(), true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s",
        "batch3"})
    void conformerModulesOneAtATime(String c) {
        ClipBatch batch = SmallSharp.batchFromMask(SmallSharp.tap(c, "conformer.mask_invalid"));
        int dim = config.hiddenSize();
        Workspace ws = new Workspace();
        for (int i = 0; i < config.numLayers(); i++) {
            ConformerBlock block = encoder.blocks[i];
            String p = "block" + i + ".";
            float[] x = SmallSharp.tap(c, i == 0 ? "sscp.out" : "block" + (i - 1) + ".out").floats();
            block.ffwStart.forward(pool, x, batch.rows(), ws);
            SmallSharp.assertRows(c + " " + p + "ffw_start", x, SmallSharp.tap(c, p + "ffw_start"), batch, dim, false);

            x = SmallSharp.tap(c, p + "ffw_start").floats();
            assertLogits(c, p, block.attention, x, batch, ws);
            float[] context = block.attention.context(pool, x, batch, ws);
            SmallSharp.assertRows(c + " " + p + "attn_context", context, SmallSharp.tap(c, p + "attn_context"), batch, dim, false);
            block.attention.forward(pool, x, batch, ws);
            SmallSharp.assertRows(c + " " + p + "attention", x, SmallSharp.tap(c, p + "attention"), batch, dim, false);

            x = SmallSharp.tap(c, p + "attention").floats();
            block.zeroInvalid(pool, x, batch);
            block.lightConv.forward(pool, x, batch, ws);
            SmallSharp.assertRows(c + " " + p + "lconv1d", x, SmallSharp.tap(c, p + "lconv1d"), batch, dim, false);

            x = SmallSharp.tap(c, p + "lconv1d").floats();
            block.ffwEnd.forward(pool, x, batch.rows(), ws);
            SmallSharp.assertRows(c + " " + p + "ffw_end", x, SmallSharp.tap(c, p + "ffw_end"), batch, dim, false);

            x = SmallSharp.tap(c, p + "ffw_end").floats();
            block.finalNorm(pool, x, batch.rows());
            SmallSharp.assertRows(c + " " + p + "out", x, SmallSharp.tap(c, p + "out"), batch, dim, false);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s",
        "batch3"})
    void softEmbeddingOfTheReferenceEncoderOutput(String c) {
        Npy hidden = SmallSharp.tap(c, "encoder.last_hidden_state");
        ClipBatch tokens = SmallSharp.batchFromMask(SmallSharp.tap(c, "encoder.mask_invalid"));
        float[] soft = new float[tokens.rows() * config.textHiddenSize()];
        encoder.embedder.soft(pool, hidden.floats(), tokens.rows(), soft);
        SmallSharp.assertRows(c + " embed_audio.soft", soft, SmallSharp.tap(c, "embed_audio.soft"), tokens, config.textHiddenSize(), true);
    }

    /** Pre-cap band logits [B, N, T, 13] against q.(k + R) of the reference's attention input. */
    private void assertLogits(String c, String p, LocalAttention attention, float[] x, ClipBatch batch, Workspace ws) {
        Npy expected = SmallSharp.tap(c, p + "attn_logits_band_precap");
        int dim = config.hiddenSize();
        float[] q = new float[batch.rows() * dim];
        float[] k = new float[batch.rows() * dim];
        attention.queriesAndKeys(pool, x, batch.rows(), ws, q, k);
        int heads = config.numHeads();
        int steps = expected.dim(2);
        int window = expected.dim(3);
        float[] logits = new float[window];
        double maxDiff = 0;
        double maxRef = 0;
        for (int b = 0; b < batch.clips(); b++) {
            for (int t = 0; t < steps; t++) {
                int row = batch.start(b) + t;
                if (!batch.valid(row)) {
                    continue;
                }
                for (int n = 0; n < heads; n++) {
                    attention.logits(q, k, batch, row, n, logits);
                    for (int d = 0; d < window; d++) {
                        double ref = expected.values()[((b * heads + n) * steps + t) * window + d];
                        maxRef = Math.max(maxRef, Math.abs(ref));
                        maxDiff = Math.max(maxDiff, Math.abs(logits[d] - ref));
                    }
                }
            }
        }
        assertTrue(maxDiff / maxRef <= SmallSharp.TOLERANCE, c + " " + p + "logits: relative error " + maxDiff / maxRef);
    }

    /** Ours is [t][f][c]; the reference is [B, C, T, F]. */
    private static void assertChannelsFirst(String what, float[] actual, Npy expected, int b, int steps) {
        int channels = expected.dim(1);
        int freq = expected.dim(3);
        assertEquals(steps * freq * channels, actual.length, what);
        double maxDiff = 0;
        double maxRef = 0;
        for (int ch = 0; ch < channels; ch++) {
            for (int t = 0; t < steps; t++) {
                for (int f = 0; f < freq; f++) {
                    double ref = expected.values()[((b * channels + ch) * steps + t) * freq + f];
                    maxRef = Math.max(maxRef, Math.abs(ref));
                    maxDiff = Math.max(maxDiff, Math.abs(actual[(t * freq + f) * channels + ch] - ref));
                }
            }
        }
        assertTrue(maxDiff / maxRef <= SmallSharp.TOLERANCE, what + ": relative error " + maxDiff / maxRef);
    }

    private static void assertMasksEqual(ClipBatch expected, ClipBatch actual) {
        assertEquals(expected.rows(), actual.rows());
        boolean[] e = new boolean[expected.rows()];
        boolean[] a = new boolean[actual.rows()];
        for (int r = 0; r < e.length; r++) {
            e[r] = expected.valid(r);
            a[r] = actual.valid(r);
        }
        assertArrayEquals(e, a);
    }
}
