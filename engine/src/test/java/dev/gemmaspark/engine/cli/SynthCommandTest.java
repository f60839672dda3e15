package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.FinishReason;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code synth} writes what {@link ModelSynthesizer} writes for its options, and the engine runs the file. */
class SynthCommandTest {
    @TempDir
    Path dir;

    private static void assertUsageError(String message, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.err());
        assertEquals("gemma-spark: " + message + "\n", r.err());
    }

    @Test
    void writesTheSynthesizersModelWhichTheEngineLoadsAndRuns() throws IOException {
        Path cli = dir.resolve("cli.gguf");
        CliRun r = CliRun.of("synth", "--preset", "tiny", "--quant", "q8_0", "--seed", "7", "--out", cli.toString());
        assertEquals(0, r.status(), r.err());
        Path api = dir.resolve("api.gguf");
        ModelSynthesizer.write(Preset.TINY, GGMLType.Q8_0, 7, null, api);
        assertArrayEquals(Files.readAllBytes(api), Files.readAllBytes(cli), "the CLI passes preset, quant and seed");

        try (GGUFFile file = GGUFFile.open(cli)) {
            assertEquals(7, file.getLong("general.file_type"), "LLAMA_FTYPE_MOSTLY_Q8_0");
            assertEquals(GGMLType.Q8_0, file.tensor("blk.0.attn_q.weight").type());
        }
        try (GemmaModel model = GemmaModel.load(cli,
                EngineOptions.defaults().withThreads(2).withContextLength(16).withMaxSequences(1))) {
            Gemma3nConfig c = model.config();
            assertEquals(Preset.TINY.layers, c.nLayer());
            assertEquals(Preset.TINY.embd, c.nEmbd());
            assertEquals(Preset.TINY.vocabSize, c.vocabSize());
            int[] prompt = {model.tokenizer().bosId(), 300, 301, 302};
            GenerationResult g = model.generate(GenerationRequest.tokens(prompt,
                    SamplingParams.GREEDY.withMaxTokens(5).withIgnoreEos(true)));
            assertEquals(FinishReason.LENGTH, g.finishReason());
            assertEquals(5, g.tokens().length);
            for (int t : g.tokens()) {
                assertTrue(t >= 0 && t < c.vocabSize(), "token " + t);
            }
        }
    }

    @Test
    void theAudioFlagAddsTheTower() throws IOException {
        Path cli = dir.resolve("cli-audio.gguf");
        CliRun r = CliRun.of("synth", "--preset", "tiny_audio", "--quant", "F32", "--seed", "3", "--audio", "--out",
                cli.toString());
        assertEquals(0, r.status(), r.err());
        Path api = dir.resolve("api-audio.gguf");
        ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.F32, 3, null, true, api);
        assertArrayEquals(Files.readAllBytes(api), Files.readAllBytes(cli), "the CLI passes --audio");
        try (GGUFFile file = GGUFFile.open(cli)) {
            assertTrue(AudioEncoder.hasAudioTower(file));
            assertEquals(Preset.TINY_AUDIO.audioTower, AudioConfig.fromGGUF(file));
        }
    }

    @Test
    void badOrMissingOptionsAreUsageErrorsNamingTheOption() {
        String out = dir.resolve("m.gguf").toString();
        assertUsageError("option --preset: unknown preset 'e3b' (expected one of [e2b, e4b, tiny, tiny_audio])",
                "synth", "--preset", "e3b", "--quant", "Q4_0", "--seed", "1", "--out", out);
        assertUsageError("option --quant: unknown quantization 'Q3_K' (expected Q4_0, Q4_K, Q8_0, F16, BF16 or F32)",
                "synth", "--preset", "tiny", "--quant", "Q3_K", "--seed", "1", "--out", out);
        assertUsageError("option --seed: 'x' is not an integer",
                "synth", "--preset", "tiny", "--quant", "Q4_0", "--seed", "x", "--out", out);
        assertUsageError("missing option --out", "synth", "--preset", "tiny", "--quant", "Q4_0", "--seed", "1");
        assertUsageError("missing option --seed", "synth", "--preset", "tiny", "--quant", "Q4_0", "--out", out);
        assertFalse(Files.exists(dir.resolve("m.gguf")));
    }

    @Test
    void aMissingVocabularyFileIsARuntimeErrorNamingIt() {
        Path absent = dir.resolve("absent-vocab.gguf");
        CliRun r = CliRun.of("synth", "--preset", "tiny", "--quant", "Q8_0", "--seed", "1", "--vocab-from",
                absent.toString(), "--out", dir.resolve("m.gguf").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("gemma-spark: " + absent), r.err());
    }
}
