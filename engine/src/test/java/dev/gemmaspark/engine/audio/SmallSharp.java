package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code small_sharp} reference run of {@code golden/audio}: its config and weights, and per case the golden
 * features, masks and activations, with the README's comparison (max abs difference over max abs reference, on
 * the rows that are compared).
 */
final class SmallSharp {
    /** golden/audio/README.md: encoder and embedder within 1e-3 relative. */
    static final double TOLERANCE = 1e-3;
    static final String[] SINGLE_CASES = {"spec_sine1000_1s", "sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak",
        "long_32s"};
    static final String[] BATCH3 = {"sine440_noise_1s", "chirp_2p3s", "short_0p19s"};

    private SmallSharp() {
    }

    static AudioConfig config() {
        try {
            return AudioConfig.fromJson(AudioGolden.path("small_sharp/config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static java.nio.file.Path weights() {
        return AudioGolden.path("small_sharp/weights/model.safetensors");
    }

    static Npy tap(String c, String tap) {
        return AudioGolden.npy("small_sharp/outputs/" + c + "." + tap + ".npy");
    }

    /** The golden features of a case, one entry per clip. */
    static List<MelFeatures> features(String c) {
        Npy values = AudioGolden.npy("features/" + c + ".input_features.npy");
        Npy mask = AudioGolden.npy("features/" + c + ".input_features_mask.npy");
        int clips = values.dim(0);
        int frames = values.dim(1);
        List<MelFeatures> out = new ArrayList<>();
        for (int b = 0; b < clips; b++) {
            float[] v = new float[frames * 128];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) values.values()[b * frames * 128 + i];
            }
            boolean[] valid = new boolean[frames];
            System.arraycopy(mask.flags(), b * frames, valid, 0, frames);
            out.add(new MelFeatures(frames, v, valid));
        }
        return out;
    }

    /** The golden waveforms of a case, one per clip. */
    static List<float[]> waveforms(String c) {
        List<float[]> out = new ArrayList<>();
        for (String member : c.equals("batch3") ? BATCH3 : new String[] {c}) {
            out.add(AudioGolden.npy("inputs/" + member + ".npy").floats());
        }
        return out;
    }

    /** Steps where the golden mask (True = invalid) is False, per clip of a {@code [B, T]} mask tap. */
    static ClipBatch batchFromMask(Npy invalid) {
        int clips = invalid.dim(0);
        int steps = invalid.dim(1);
        int[] lengths = new int[clips];
        boolean[][] valid = new boolean[clips][steps];
        for (int b = 0; b < clips; b++) {
            lengths[b] = steps;
            for (int t = 0; t < steps; t++) {
                valid[b][t] = !invalid.flags()[b * steps + t];
            }
        }
        return new ClipBatch(lengths, valid);
    }

    /**
     * Asserts that {@code actual} (rows of {@code width}, stacked as in {@code batch}) matches the {@code [B, T, width]}
     * reference on the valid rows (all rows when {@code allRows}); returns the relative error.
     */
    static double assertRows(String what, float[] actual, Npy expected, ClipBatch batch, int width, boolean allRows) {
        double maxDiff = 0;
        double maxRef = 0;
        int steps = expected.dim(1);
        for (int b = 0; b < batch.clips(); b++) {
            for (int t = 0; t < batch.length(b); t++) {
                int row = batch.start(b) + t;
                if (!allRows && !batch.valid(row)) {
                    continue;
                }
                for (int i = 0; i < width; i++) {
                    double ref = expected.values()[(b * steps + t) * width + i];
                    maxRef = Math.max(maxRef, Math.abs(ref));
                    maxDiff = Math.max(maxDiff, Math.abs(actual[row * width + i] - ref));
                }
            }
        }
        double rel = maxDiff / maxRef;
        assertTrue(rel <= TOLERANCE, what + ": relative error " + rel + " (max abs diff " + maxDiff + ")");
        return rel;
    }
}
