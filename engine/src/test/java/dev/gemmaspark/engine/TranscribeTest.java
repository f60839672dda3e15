package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transcription end to end on random weights: a two-layer text model as wide as the golden small audio
 * tower (written by {@code synth}), with that tower's weights. The text is noise; what is checked is that
 * the audio reaches the model, that long recordings are windowed, and that bad input gets a clear error.
 */
class TranscribeTest {
    private static final String PROMPT = "Transcribe this audio.";
    /**
     * Sampled at temperature 1 with a fixed seed: on random weights greedy decoding repeats one token
     * whatever the audio, while a seeded draw follows the whole distribution, so different audio shows.
     */
    private static final SamplingParams PARAMS = SamplingParams.GREEDY.withTemperature(1f).withSeed(3)
            .withMaxTokens(6).withIgnoreEos(true);

    @TempDir
    static Path dir;
    private static GemmaModel model;

    @BeforeAll
    static void load() throws IOException {
        Path gguf = dir.resolve("tiny-audio.gguf");
        ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.F32, 7, null, gguf);
        model = GemmaModel.load(gguf, audioCheckpoint(), EngineOptions.defaults().withThreads(2)
                .withContextLength(512));
    }

    /** The golden small tower laid out as a Hugging Face checkpoint: config.json beside model.safetensors. */
    private static Path audioCheckpoint() throws IOException {
        Path checkpoint = Files.createDirectories(dir.resolve("audio"));
        Files.copy(Golden.path("audio/small_sharp/config.json"), checkpoint.resolve("config.json"));
        Files.createSymbolicLink(checkpoint.resolve("model.safetensors"),
                Golden.path("audio/small_sharp/weights/model.safetensors"));
        return checkpoint.resolve("model.safetensors");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static float[] wav(String name) throws IOException {
        return AudioDecoder.decode(Golden.path("audio/inputs/" + name + ".wav"));
    }

    @Test
    void differentAudioGivesDifferentOutputAndTheSameAudioTheSame() throws IOException {
        List<TranscriptionResult> r = model.transcribeAll(
                List.of(wav("speech_espeak"), wav("chirp_2p3s"), wav("speech_espeak")), PROMPT, PARAMS);
        for (TranscriptionResult t : r) {
            assertNull(t.error());
            assertNotNull(t.text());
            assertEquals(6, t.outputTokens());
            assertEquals(FinishReason.LENGTH, t.finishReason());
        }
        assertEquals(2.3, r.get(1).audioSeconds(), 1e-3);
        assertEquals(r.get(0).text(), r.get(2).text());
        assertFalse(r.get(0).text().equals(r.get(1).text()), "speech and chirp gave the same output: " + r.get(0));
    }

    @Test
    void aRecordingLongerThan30SecondsIsTranscribedInWindows() throws IOException {
        TranscriptionResult r = model.transcribe(wav("long_32s"), PROMPT, PARAMS);
        assertNull(r.error());
        assertEquals(12, r.outputTokens(), "two windows of 6 tokens");
        assertEquals(32.0, r.audioSeconds(), 0.01);
    }

    @Test
    void shortAndSilentRecordingsGetAnErrorWhileTheOthersGoOn() throws IOException {
        List<TranscriptionResult> r = model.transcribeAll(
                List.of(new float[100], new float[16000], wav("chirp_2p3s")), PROMPT, PARAMS);
        assertTrue(r.get(0).error().contains("shorter than 33 ms"), r.get(0).error());
        assertTrue(r.get(1).error().contains("silent"), r.get(1).error());
        assertEquals(FinishReason.ERROR, r.get(1).finishReason());
        assertNull(r.get(2).error());
    }

    @Test
    void aTextOnlyModelSaysItHasNoAudioEncoder() {
        try (GemmaModel text = GemmaModel.load(Golden.model("gemma3n-tiny6-tinyvocab-f32"),
                EngineOptions.defaults().withThreads(1))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> text.transcribe(new float[16000], PROMPT, PARAMS));
            assertTrue(e.getMessage().contains("no audio encoder"), e.getMessage());
        }
    }

    @Test
    void audioWeightsOfAnotherWidthAreRejectedAtLoad() throws IOException {
        Path checkpoint = dir.resolve("audio/model.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmaModel.load(Golden.model("gemma3n-tiny6-tinyvocab-f32"),
                        checkpoint, EngineOptions.defaults()).close());
        assertTrue(e.getMessage().contains("projects to 96 values, the text model is 128 wide"), e.getMessage());
    }
}
