package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden.Npy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogMelFrontEndTest {
    /** golden/audio/README.md: features within 1e-4 absolute for normal audio. */
    private static final double FEATURE_TOLERANCE = 1e-4;

    @Test
    void filterBankIsHfsExactly() {
        Npy golden = AudioGolden.npy("features/frontend_mel_filters_f64.npy");
        double[][] fb = MelFilterBank.dense(513, 125, 7600, 128, 16000, 1024);
        double max = 0;
        for (int k = 0; k < 513; k++) {
            for (int m = 0; m < 128; m++) {
                max = Math.max(max, Math.abs(fb[k][m] - golden.values()[k * 128 + m]));
            }
        }
        assertTrue(max < 1e-12, "filterbank differs by " + max);
    }

    @Test
    void windowIsHfsFloat32HannBitForBit() {
        assertArrayEquals(AudioGolden.npy("features/frontend_window_f32.npy").floats(), LogMelFrontEnd.periodicHann(512));
    }

    @ParameterizedTest
    @ValueSource(strings = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s"})
    void singleClipFeaturesMatchHf(String name) {
        float[] wave = AudioGolden.npy("inputs/" + name + ".npy").floats();
        MelFeatures f = new LogMelFrontEnd().extract(wave);
        assertMatches(name, 0, f);
    }

    @Test
    void pureToneGivesTheReadmesNumbers() {
        MelFeatures f = new LogMelFrontEnd().extract(AudioGolden.npy("inputs/spec_sine1000_1s.npy").floats());
        assertEquals(3.680955, f.values()[10 * 128 + 39], 1e-5);
        assertEquals(-8.324815, f.values()[10 * 128], 1e-5);
        double mean = 0;
        for (float v : f.values()) {
            mean += v;
        }
        assertEquals(-7.814520, mean / f.values().length, 1e-5);
    }

    @Test
    void paddedBatchMatchesHfsBatchCall() {
        List<float[]> clips = new ArrayList<>();
        for (String name : new String[] {"sine440_noise_1s", "chirp_2p3s", "short_0p19s"}) {
            clips.add(AudioGolden.npy("inputs/" + name + ".npy").floats());
        }
        List<MelFeatures> batch = new LogMelFrontEnd().extractBatch(clips);
        int[] validFrames = {100, 228, 19};
        for (int b = 0; b < 3; b++) {
            assertEquals(228, batch.get(b).frames());
            assertMatches("batch3", b, batch.get(b));
            int valid = 0;
            for (boolean v : batch.get(b).valid()) {
                valid += v ? 1 : 0;
            }
            assertEquals(validFrames[b], valid);
        }
    }

    @Test
    void frameCountsFollowTheSpecTable() {
        assertEquals(0, LogMelFrontEnd.frameCount(512));
        assertEquals(1, LogMelFrontEnd.frameCount(513));
        assertEquals(1, LogMelFrontEnd.frameCount(640));
        assertEquals(16, LogMelFrontEnd.frameCount(3000));
        assertEquals(97, LogMelFrontEnd.frameCount(16000));
        assertEquals(497, LogMelFrontEnd.frameCount(80000));
        assertEquals(2997, LogMelFrontEnd.frameCount(480000));
        assertEquals(2997, LogMelFrontEnd.frameCount(512000));
    }

    @Test
    void silenceIsTheLogOfTheMelFloor() {
        MelFeatures f = new LogMelFrontEnd().extract(new float[4000]);
        for (float v : f.values()) {
            assertEquals(-11.512925f, v, 1e-6f);
        }
    }

    private static void assertMatches(String golden, int clip, MelFeatures f) {
        Npy expected = AudioGolden.npy("features/" + golden + ".input_features.npy");
        Npy mask = AudioGolden.npy("features/" + golden + ".input_features_mask.npy");
        int frames = expected.dim(1);
        assertEquals(frames, f.frames(), golden);
        double max = 0;
        int base = clip * frames * 128;
        for (int i = 0; i < frames * 128; i++) {
            max = Math.max(max, Math.abs(f.values()[i] - expected.values()[base + i]));
        }
        assertTrue(max <= FEATURE_TOLERANCE, golden + "[" + clip + "] features differ by " + max);
        boolean[] expectedMask = new boolean[frames];
        System.arraycopy(mask.flags(), clip * frames, expectedMask, 0, frames);
        assertArrayEquals(expectedMask, f.valid(), golden);
    }
}
