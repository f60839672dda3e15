package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden.Npy;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole encoder against {@code golden/audio/small_sharp}: from features, and from waveforms to the 188 slots. */
class AudioEncoderEndToEndTest {
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
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s",
        "batch3"})
    void encoderOutputFromTheReferenceFeatures(String c) {
        AudioEncoder.Tokens tokens = encoder.encode(SmallSharp.features(c));
        ClipBatch expected = SmallSharp.batchFromMask(SmallSharp.tap(c, "encoder.mask_invalid"));
        assertEquals(expected.rows(), tokens.batch().rows());
        for (int r = 0; r < expected.rows(); r++) {
            assertEquals(expected.valid(r), tokens.batch().valid(r), c + " token " + r);
        }
        SmallSharp.assertRows(c + " encoder.last_hidden_state", tokens.hidden(), SmallSharp.tap(c, "encoder.last_hidden_state"),
                tokens.batch(), config.hiddenSize(), true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s"})
    void waveformToTheAudioSlots(String c) {
        AudioEmbedding e = encoder.embed(SmallSharp.waveforms(c).get(0));
        assertSlots(c, 0, e);
    }

    @Test
    void paddedBatchAsHfsOneCall() {
        List<AudioEmbedding> out = encoder.embedPaddedBatch(SmallSharp.waveforms("batch3"));
        for (int b = 0; b < 3; b++) {
            assertSlots("batch3", b, out.get(b));
        }
        // The 3000-sample clip gains a valid token from the batch padding (golden README).
        assertEquals(2, out.get(2).validTokens());
    }

    @Test
    void batchedClipsGetTheirSingleClipResults() {
        List<AudioEmbedding> out = encoder.embed(SmallSharp.waveforms("batch3"));
        for (int b = 0; b < 3; b++) {
            assertSlots(SmallSharp.BATCH3[b], 0, out.get(b));
        }
        assertEquals(1, out.get(2).validTokens());
    }

    @Test
    void tokenCountsAndTooShortClips() {
        assertEquals(7, encoder.tokenCount(16000));
        assertEquals(15, encoder.tokenCount(36800));
        assertEquals(1, encoder.tokenCount(3000));
        assertEquals(1, encoder.tokenCount(513));
        assertEquals(188, encoder.tokenCount(480000));
        assertEquals(188, encoder.tokenCount(512000));
        var e = assertThrows(IllegalArgumentException.class, () -> encoder.embed(List.of(new float[16000], new float[512])));
        assertTrue(e.getMessage().contains("clip 1") && e.getMessage().contains("too short"), e.getMessage());
    }

    @Test
    void hardEmbeddingOfThePaddingIdIsTheFillerOfUnusedSlots() {
        Npy slots = SmallSharp.tap("short_0p19s", "audio_features_188");
        int width = config.textHiddenSize();
        float[] expected = new float[width];
        for (int i = 0; i < width; i++) {
            expected[i] = (float) slots.values()[187 * width + i];
        }
        float[] padding = encoder.hardEmbedding(262399);
        for (int i = 0; i < width; i++) {
            assertEquals(expected[i], padding[i], 1e-5f);
        }
        assertThrows(IllegalArgumentException.class, () -> encoder.hardEmbedding(262271));
    }

    private static void assertSlots(String c, int b, AudioEmbedding e) {
        Npy expected = SmallSharp.tap(c, "audio_features_188");
        Npy invalid = SmallSharp.tap(c, "encoder.mask_invalid");
        int tokens = invalid.dim(1);
        int valid = 0;
        for (int j = 0; j < tokens; j++) {
            valid += invalid.flags()[b * tokens + j] ? 0 : 1;
        }
        assertEquals(188, e.slots());
        assertEquals(config.textHiddenSize(), e.width());
        assertEquals(valid, e.validTokens(), c + "[" + b + "] valid tokens");
        ClipBatch one = new ClipBatch(new int[] {188}, new boolean[][] {allTrue(188)});
        float[] rows = e.embeddings();
        Npy clip = b == 0 ? expected : slice(expected, b);
        SmallSharp.assertRows(c + "[" + b + "] audio_features_188", rows, clip, one, e.width(), true);
    }

    private static Npy slice(Npy n, int b) {
        int per = n.values().length / n.dim(0);
        double[] v = new double[per];
        System.arraycopy(n.values(), b * per, v, 0, per);
        return new Npy(new int[] {1, n.dim(1), n.dim(2)}, v, null);
    }

    private static boolean[] allTrue(int n) {
        boolean[] a = new boolean[n];
        java.util.Arrays.fill(a, true);
        return a;
    }

}
