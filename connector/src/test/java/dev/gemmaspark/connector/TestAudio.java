package dev.gemmaspark.connector;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The transcription test model: a random-weight two-layer Gemma 3n written by {@code synth} (preset TINY_AUDIO,
 * whose vocabulary has the audio tokens) with the golden small audio tower laid out as a Hugging Face
 * checkpoint, and the engine's own transcriptions on it, which the connector's must equal. Rows sample at
 * temperature 1 with a fixed seed: on random weights greedy decoding repeats one token whatever the audio.
 */
public final class TestAudio {
    public static final Path GOLDEN = Paths.get("../engine/src/test/resources/golden/audio").toAbsolutePath().normalize();
    /** The options every transcription call of the tests passes (the session sets maxTokens 6, context 512). */
    public static final Map<String, String> OPTIONS;
    /** {@link #OPTIONS} as a SQL map literal. */
    public static final String OPTIONS_SQL;
    private static final SamplingParams SAMPLING = SamplingParams.GREEDY.withTemperature(1f).withSeed(3)
            .withMaxTokens(Reference.MAX_TOKENS);
    private static final Path MODEL;
    private static final Path AUDIO_WEIGHTS;
    private static GemmaModel reference;

    static {
        try {
            Path dir = Files.createTempDirectory("gemma-audio-test");
            dir.toFile().deleteOnExit();
            MODEL = dir.resolve("tiny-audio.gguf");
            ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.F32, 7, null, MODEL);
            AUDIO_WEIGHTS = checkpoint(dir.resolve("audio"));
            for (Path p : List.of(dir.resolve("audio"), MODEL, AUDIO_WEIGHTS, AUDIO_WEIGHTS.resolveSibling("config.json"))) {
                p.toFile().deleteOnExit();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OPTIONS = Map.of("model", MODEL.toString(), "audioWeights", AUDIO_WEIGHTS.toString(), "temperature", "1",
                "seed", "3");
        OPTIONS_SQL = optionsSql(Map.of());
    }

    /** {@link #OPTIONS} and {@code more} as a SQL map literal. */
    public static String optionsSql(Map<String, String> more) {
        return TestSpark.mapSql(OPTIONS, more);
    }

    private TestAudio() {}

    /** The golden small tower as a Hugging Face checkpoint: config.json beside model.safetensors. */
    private static Path checkpoint(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(GOLDEN.resolve("small_sharp/config.json"), dir.resolve("config.json"));
        return Files.createSymbolicLink(dir.resolve("model.safetensors"),
                GOLDEN.resolve("small_sharp/weights/model.safetensors"));
    }

    public static Path model() {
        return MODEL;
    }

    public static Path audioWeights() {
        return AUDIO_WEIGHTS;
    }

    /** The bytes of a golden recording, e.g. {@code inputs/speech_espeak.wav} or {@code codecs/speech_espeak.flac}. */
    public static byte[] golden(String relative) {
        try {
            return Files.readAllBytes(GOLDEN.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 16 kHz mono 16-bit PCM WAV file of {@code samples}. */
    public static byte[] wav(short[] samples) {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 2 * samples.length).put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(16_000).putInt(32_000).putShort((short) 2)
                .putShort((short) 16).put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * samples.length);
        for (short s : samples) {
            b.putShort(s);
        }
        return b.array();
    }

    /** What the engine itself transcribes from these files, with the tests' options, in one batch. */
    public static List<TranscriptionResult> transcribe(List<byte[]> files) {
        return transcribe(files, "Transcribe this audio.");
    }

    /** Like {@link #transcribe(List)}, with {@code prompt} after the audio. */
    public static List<TranscriptionResult> transcribe(List<byte[]> files, String prompt) {
        List<float[]> recordings = new ArrayList<>();
        for (byte[] f : files) {
            try {
                recordings.add(AudioDecoder.decode(f, "reference"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return referenceModel().transcribeAll(recordings, prompt, SAMPLING);
    }

    private static synchronized GemmaModel referenceModel() {
        if (reference == null) {
            reference = GemmaModel.load(MODEL, AUDIO_WEIGHTS, EngineOptions.defaults().withThreads(2).withContextLength(512));
        }
        return reference;
    }
}
