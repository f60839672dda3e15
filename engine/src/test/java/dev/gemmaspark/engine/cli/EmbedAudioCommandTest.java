package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed-audio} against what transformers puts into the 188 audio slots for the same recording. */
class EmbedAudioCommandTest {
    private static final String SMALL_SHARP = "audio/small_sharp/";

    /**
     * The 1 s clip through the small random-weight tower (its safetensors with config.json beside it): within 1e-3
     * of transformers' {@code audio_features_188} relative to its largest value, the tolerance the encoder's own
     * golden tests hold at this size.
     */
    @Test
    void writesTheSlotsTransformersFills(@TempDir Path dir) throws IOException {
        Path weights = Files.copy(Golden.path(SMALL_SHARP + "weights/model.safetensors"), dir.resolve("model.safetensors"));
        Files.copy(Golden.path(SMALL_SHARP + "config.json"), dir.resolve("config.json"));
        Path out = dir.resolve("e.npy");
        CliRun r = CliRun.of("embed-audio", "--audio-weights", weights.toString(), "--file",
                Golden.path("audio/inputs/sine440_noise_1s.wav").toString(), "--out", out.toString(), "--threads", "2");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("float32 [188, "), r.out());
        NpyArray ours = NpyArray.read(out);
        Golden.Npy ref = Golden.npyArray(SMALL_SHARP + "outputs/sine440_noise_1s.audio_features_188.npy");
        assertArrayEquals(new int[] {188, ref.shape()[2]}, ours.shape());
        double max = 0;
        double diff = 0;
        for (int i = 0; i < ours.data().length; i++) {
            max = Math.max(max, Math.abs(ref.values()[i]));
            diff = Math.max(diff, Math.abs(ours.data()[i] - ref.values()[i]));
        }
        assertTrue(diff <= 1e-3 * max, "max |ours - transformers| = " + diff + " of " + max);
    }

    @Test
    void aModelWithoutAnAudioTowerIsAUsageError(@TempDir Path dir) {
        CliRun r = CliRun.of("embed-audio", "--model", Golden.model("gemma3n-tiny6-tinyvocab-f32").toString(),
                "--file", Golden.path("audio/inputs/sine440_noise_1s.wav").toString(), "--out",
                dir.resolve("e.npy").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("has no audio tower"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
