package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.FinishReason;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.safetensors.SafetensorsCheckpoint;
import dev.gemmaspark.engine.sampling.SamplingParams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny model synthesized with its audio tower: with seed 2 the tower is golden/audio's small_sharp checkpoint,
 * which the HF reference ran, and the file transcribes through {@link GemmaModel} alone.
 */
class AudioTowerSynthesisTest {
    /** golden/audio's small_sharp weights were drawn with PRNG seed 2. */
    private static final long GOLDEN_SEED = 2;

    @TempDir
    static Path dir;
    private static Path f32;
    private static Path q8;

    @BeforeAll
    static void write() throws IOException {
        f32 = dir.resolve("tiny-audio-f32.gguf");
        ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.F32, GOLDEN_SEED, null, true, f32);
        q8 = dir.resolve("tiny-audio-q8.gguf");
        ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.Q8_0, GOLDEN_SEED, null, true, q8);
    }

    @Test
    void theTowerIsTheGoldenSmallSharpCheckpointBitForBit() {
        try (GGUFFile file = GGUFFile.open(f32);
             SafetensorsCheckpoint golden = SafetensorsCheckpoint.open(
                     Golden.path("audio/small_sharp/weights/model.safetensors"))) {
            long towerTensors = file.tensors().keySet().stream()
                    .filter(n -> n.startsWith("a.") || n.startsWith("mm.a.")).count();
            assertEquals(golden.names().size(), towerTensors);
            for (String name : golden.names()) {
                TensorInfo t = file.tensor(AudioEncoder.ggufTensorName(name));
                assertEquals(GGMLType.F32, t.type(), t.name());
                assertArrayEquals(golden.tensor(name).toFloatArray(), t.data().toArray(ValueLayout.JAVA_FLOAT), name);
            }
        }
    }

    @Test
    void theFileDescribesItsTowerAsTheGoldenConfigDoes() throws IOException {
        AudioConfig golden = AudioConfig.fromJson(Golden.path("audio/small_sharp/config.json"));
        try (GGUFFile file = GGUFFile.open(f32)) {
            assertEquals(golden, AudioConfig.fromGGUF(file));
            assertTrue(AudioEncoder.hasAudioTower(file));
        }
    }

    @Test
    void theModelLoadsWithItsTowerAndTranscribesAGoldenRecording() throws IOException {
        float[] speech = AudioDecoder.decode(Golden.path("audio/inputs/speech_espeak.wav"));
        try (GemmaModel model = GemmaModel.load(f32, EngineOptions.defaults().withThreads(2).withContextLength(512))) {
            assertTrue(model.hasAudio());
            TranscriptionResult r = model.transcribe(speech, "Transcribe this audio.",
                    SamplingParams.GREEDY.withMaxTokens(4).withIgnoreEos(true));
            assertNull(r.error());
            assertEquals(4, r.outputTokens());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(93833 / 16000.0, r.audioSeconds(), 1e-9);
        }
    }

    @Test
    void aQuantizedFileKeepsTheTowerInF16WithF32ConvolutionsAndLoads() {
        try (GGUFFile file = GGUFFile.open(q8)) {
            assertEquals(GGMLType.Q8_0, file.tensor("blk.0.attn_q.weight").type());
            assertEquals(GGMLType.F16, file.tensor("a.blk.1.attn_q.weight").type());
            assertEquals(GGMLType.F16, file.tensor("mm.a.input_projection.weight").type());
            assertEquals(GGMLType.F32, file.tensor("a.conv1d.1.weight").type());
            assertEquals(GGMLType.F32, file.tensor("a.blk.1.conv_dw.weight").type());
            assertEquals(GGMLType.F32, file.tensor("a.blk.1.ln2.weight").type());
        }
        try (GemmaModel model = GemmaModel.load(q8, EngineOptions.defaults().withThreads(1).withContextLength(64))) {
            assertTrue(model.hasAudio());
        }
    }

    @Test
    void withoutTheFlagTheFileHasNoTower() throws IOException {
        Path text = dir.resolve("tiny-text.gguf");
        ModelSynthesizer.write(Preset.TINY, GGMLType.Q8_0, GOLDEN_SEED, null, text);
        try (GemmaModel model = GemmaModel.load(text, EngineOptions.defaults().withThreads(1).withContextLength(64))) {
            assertFalse(model.hasAudio());
        }
    }
}
