package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code transcribe}: speech to text with Gemma 3n's audio encoder, for one file or every audio file of a
 * folder, all recordings batched together. A file that cannot be decoded or transcribed gets its error and
 * the others go on; the exit status is 1 if any failed.
 */
final class TranscribeCommand implements Command {
    private static final Option AUDIO_WEIGHTS = Option.value("--audio-weights", "W",
            "the audio tower and embedder: a safetensors file or sharded folder with model.audio_tower.* and"
                    + " model.embed_audio.* (default: from the GGUF, if it has them)");
    private static final Option AUDIO_Q8_0 = Option.flag("--audio-q8_0",
            "quantize the audio tower's linear layers to Q8_0 at load (half the memory of BF16/F16 weights)");
    private static final Option FILE = Option.value("--file", "F", "an audio file (WAV, FLAC or MP3)");
    private static final Option DIR = Option.value("--dir", "D", "a folder: every .wav, .flac and .mp3 in it");
    private static final Option PROMPT = Option.value("--prompt", "T",
            "the instruction after the audio (default \"Transcribe this audio.\")");
    private static final Option JSON = Option.flag("--json",
            "one JSON object per file: path, text, audio_seconds, tokens, finish_reason, error");
    private static final List<String> EXTENSIONS = List.of(".wav", ".flac", ".mp3");

    @Override
    public String name() {
        return "transcribe";
    }

    @Override
    public String summary() {
        return "transcribe audio files with the Gemma 3n audio encoder";
    }

    @Override
    public String synopsis() {
        return "--model M.gguf [--audio-weights W] [--audio-q8_0] (--file F | --dir D) [--prompt T] [--json] [sampling options]";
    }

    @Override
    public List<Option> options() {
        List<Option> all = new ArrayList<>(ModelOptions.LOAD);
        all.addAll(List.of(AUDIO_WEIGHTS, AUDIO_Q8_0, FILE, DIR, PROMPT, JSON));
        all.addAll(SamplingOptions.ALL);
        return all;
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        args.requireOneOf(FILE.name(), DIR.name());
        List<Path> files = args.has(FILE.name()) ? List.of(args.path(FILE.name())) : audioFiles(args.path(DIR.name()));
        String prompt = args.string(PROMPT.name()) == null ? "Transcribe this audio." : args.string(PROMPT.name());
        SamplingParams params = SamplingOptions.parse(args);
        Path weights = args.has(AUDIO_WEIGHTS.name()) ? args.path(AUDIO_WEIGHTS.name()) : null;
        EngineOptions options = ModelOptions.engineOptions(args).withAudioQ8_0(args.has(AUDIO_Q8_0.name()));
        try (GemmaModel model = GemmaModel.load(ModelOptions.model(args), weights, options)) {
            List<Path> decodedFiles = new ArrayList<>();
            List<float[]> audio = new ArrayList<>();
            int failures = 0;
            for (Path f : files) {
                try {
                    audio.add(AudioDecoder.decode(f));
                    decodedFiles.add(f);
                } catch (IOException e) {
                    failures++;
                    print(out, f, TranscriptionResult.failed(0, e.getMessage()), args.has(JSON.name()));
                }
            }
            long start = System.nanoTime();
            List<TranscriptionResult> results = audio.isEmpty() ? List.of()
                    : model.transcribeAll(audio, prompt, params);
            double seconds = (System.nanoTime() - start) / 1e9;
            double audioSeconds = 0;
            for (int i = 0; i < results.size(); i++) {
                TranscriptionResult r = results.get(i);
                audioSeconds += r.audioSeconds();
                failures += r.error() != null ? 1 : 0;
                print(out, decodedFiles.get(i), r, args.has(JSON.name()));
            }
            out.flush();
            err.printf(Locale.ROOT, "%d file(s), %.1f s of audio in %.1f s: real-time factor %.3f%n", files.size(),
                    audioSeconds, seconds, audioSeconds > 0 ? seconds / audioSeconds : Double.NaN);
            if (failures > 0) {
                throw new IllegalStateException(failures + " of " + files.size() + " file(s) could not be transcribed");
            }
        }
    }

    private static List<Path> audioFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw UsageException.of(DIR.name(), dir + " is not a folder");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> EXTENSIONS.stream()
                    .anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e))).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException(dir + ": no .wav, .flac or .mp3 files");
            }
            return files;
        }
    }

    private static void print(PrintStream out, Path file, TranscriptionResult r, boolean json) throws IOException {
        if (json) {
            ObjectNode o = Main.JSON.createObjectNode();
            o.put("path", file.toString()).put("text", r.text()).put("audio_seconds", r.audioSeconds())
                    .put("tokens", r.outputTokens()).put("finish_reason", r.finishReason().label())
                    .put("error", r.error());
            out.println(Main.JSON.writeValueAsString(o));
        } else if (r.error() != null) {
            out.printf(Locale.ROOT, "%s: error: %s%n", file, r.error());
        } else {
            out.printf(Locale.ROOT, "%s (%.1f s, %d tokens): %s%n", file, r.audioSeconds(), r.outputTokens(), r.text());
        }
    }
}
