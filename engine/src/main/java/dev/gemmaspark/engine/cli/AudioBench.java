package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.audio.LongAudio;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.cli.BenchCommand.Stat;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * {@code bench --audio}: the real-time factor (processing seconds over audio seconds; below 1 is faster than real
 * time) of the audio encoder alone and of whole transcription, on a synthetic recording: a chirp from 100 Hz to
 * 4 kHz with noise, cut into 30 s windows as transcription cuts it. The encoder is timed through its own
 * {@link AudioEncoder} over the same file and thread count as the model's; transcription generates a fixed number
 * of tokens (end-of-generation ignored), so every run does the same work. One untimed run on the first 3 s warms
 * the JIT up first.
 */
final class AudioBench {
    static final Option AUDIO = Option.flag("--audio",
            "measure the audio encoder and whole transcription instead (the model must carry an audio tower, e.g. "
                    + "from synth --audio); -n is then the transcript's tokens (default 32)");
    static final Option SECONDS = Option.value("--audio-seconds", "S",
            "with --audio: length of the test recording in seconds (default 30)");
    static final Option Q8_0 = Option.flag("--audio-q8_0",
            "with --audio: quantize the audio tower's linear layers to Q8_0 at load");
    private static final String PROMPT = "Transcribe this audio.";
    static final int DEFAULT_TOKENS = 32;
    private static final double DEFAULT_SECONDS = 30;
    private static final double MIN_SECONDS = 0.1;
    private static final double WARM_UP_SECONDS = 3;
    private static final double CHIRP_FROM_HZ = 100;
    private static final double CHIRP_TO_HZ = 4000;
    /** The tower's largest matrix, whose type stands for the tower's in the report. */
    private static final String FFW_WEIGHT = AudioEncoder.TOWER_PREFIX + "conformer.0.ffw_layer_start.ffw_layer_1.weight";

    /** Seconds per run, real-time factor and audio seconds per second, each over the repetitions. */
    record Timing(Stat seconds, Stat realTimeFactor, Stat audioPerSecond) {
        static Timing of(double[] seconds, double audioSeconds) {
            return new Timing(Stat.of(seconds), Stat.of(Arrays.stream(seconds).map(s -> s / audioSeconds).toArray()),
                    Stat.of(Arrays.stream(seconds).map(s -> audioSeconds / s).toArray()));
        }

        ObjectNode json() {
            ObjectNode o = Main.JSON.createObjectNode();
            o.set("seconds", seconds.json());
            o.set("real_time_factor", realTimeFactor.json());
            o.set("audio_seconds_per_second", audioPerSecond.json());
            return o;
        }
    }

    private AudioBench() {
    }

    /**
     * Measures and prints the report.
     *
     * @param tokens tokens each transcript gets (per 30 s window)
     * @param reps   timed runs of each test
     */
    static void run(Arguments args, int tokens, int reps, boolean json, PrintStream out) throws IOException {
        double seconds = args.floatValue(SECONDS.name(), (float) DEFAULT_SECONDS);
        UsageException.require(seconds >= MIN_SECONDS, SECONDS.name(), "must be at least " + MIN_SECONDS + " s, got "
                + seconds);
        float[] recording = testSignal(seconds);
        List<float[]> windows = LongAudio.split(recording).stream().map(w -> w.slice(recording)).toList();
        float[] warmUp = Arrays.copyOf(recording, Math.min(recording.length, samples(WARM_UP_SECONDS)));
        Path path = ModelOptions.model(args);
        boolean q8 = args.has(Q8_0.name());
        try (GemmaModel model = GemmaModel.load(path, ModelOptions.engineOptions(args).withMaxSequences(windows.size())
                .withAudioQ8_0(q8));
             GGUFFile file = GGUFFile.open(path)) {
            if (!model.hasAudio()) {
                throw new IllegalArgumentException(path + ": the model has no audio tower (no a.* tensors); write one"
                        + " with 'synth --audio'");
            }
            int threads = model.options().threads();
            AudioConfig config = AudioConfig.fromGGUF(file);
            double[] encoder = new double[reps];
            try (ThreadPool pool = new ThreadPool(threads);
                 AudioEncoder audio = AudioEncoder.load(file, config, pool, q8)) {
                audio.embed(warmUp);
                for (int r = 0; r < reps; r++) {
                    encoder[r] = seconds(() -> audio.embed(windows));
                }
            }
            SamplingParams params = SamplingParams.GREEDY.withMaxTokens(tokens).withIgnoreEos(true);
            transcribe(model, warmUp, params);
            double[] transcription = new double[reps];
            for (int r = 0; r < reps; r++) {
                transcription[r] = seconds(() -> transcribe(model, recording, params));
            }
            double audioSeconds = recording.length / (double) AudioDecoder.MODEL_RATE;
            Report report = new Report(path, Files.size(path), threads, reps, audioSeconds, windows.size(), tokens,
                    config, q8 ? GGMLType.Q8_0 : file.tensor(AudioEncoder.ggufTensorName(FFW_WEIGHT)).type(),
                    Timing.of(encoder, audioSeconds), Timing.of(transcription, audioSeconds),
                    BenchCommand.peakResidentBytes());
            if (json) {
                out.println(Main.JSON.writeValueAsString(report.json()));
            } else {
                report.print(out);
            }
        }
    }

    private static TranscriptionResult transcribe(GemmaModel model, float[] recording, SamplingParams params) {
        TranscriptionResult t = model.transcribe(recording, PROMPT, params);
        if (t.error() != null) {
            throw new IllegalStateException("transcription failed: " + t.error());
        }
        return t;
    }

    /** A linear chirp over the whole length at amplitude 0.3, with uniform noise of 0.01 (seeded, so repeatable). */
    static float[] testSignal(double seconds) {
        int n = samples(seconds);
        double rate = AudioDecoder.MODEL_RATE;
        double sweep = (CHIRP_TO_HZ - CHIRP_FROM_HZ) / (n / rate);
        SplittableRandom noise = new SplittableRandom(42);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double t = i / rate;
            double phase = 2 * Math.PI * (CHIRP_FROM_HZ * t + sweep * t * t / 2);
            x[i] = (float) (0.3 * Math.sin(phase) + 0.01 * (2 * noise.nextDouble() - 1));
        }
        return x;
    }

    private static int samples(double seconds) {
        return (int) Math.round(seconds * AudioDecoder.MODEL_RATE);
    }

    private static double seconds(Supplier<?> run) {
        long start = System.nanoTime();
        run.get();
        return (System.nanoTime() - start) / 1e9;
    }

    private record Report(Path model, long modelBytes, int threads, int reps, double audioSeconds, int windows,
                          int tokens, AudioConfig tower, GGMLType towerType, Timing encoder, Timing transcription,
                          long peakBytes) {

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "model %s (%.0f MiB), audio tower %d blocks x %d (%s), %d threads, %d repetitions%n",
                    model, modelBytes / 1048576.0, tower.numLayers(), tower.hiddenSize(), towerType, threads, reps);
            out.printf(Locale.ROOT, "audio %.1f s (chirp %.0f-%.0f Hz + noise) in %d window%s; transcripts of %d tokens%n",
                    audioSeconds, CHIRP_FROM_HZ, CHIRP_TO_HZ, windows, windows == 1 ? "" : "s", tokens);
            out.printf(Locale.ROOT, "%-16s %20s %20s %20s%n", "test", "seconds", "real-time factor", "audio s per s");
            row(out, "encoder", encoder);
            row(out, "transcription", transcription);
            out.printf(Locale.ROOT, "%npeak resident memory %.0f MiB%n", peakBytes / 1048576.0);
        }

        private static void row(PrintStream out, String test, Timing t) {
            out.printf(Locale.ROOT, "%-16s %20s %20s %20s%n", test, format(t.seconds()), format(t.realTimeFactor()),
                    format(t.audioPerSecond()));
        }

        private static String format(Stat s) {
            return String.format(Locale.ROOT, "%9.3f ± %.3f", s.mean(), s.sd());
        }

        ObjectNode json() {
            ObjectNode o = Main.JSON.createObjectNode();
            o.put("model", model.toString()).put("model_bytes", modelBytes).put("threads", threads)
                    .put("repetitions", reps).put("audio_seconds", audioSeconds).put("windows", windows)
                    .put("output_tokens", tokens);
            o.putObject("audio_tower").put("blocks", tower.numLayers()).put("width", tower.hiddenSize())
                    .put("weight_type", towerType.name());
            o.set("encoder", encoder.json());
            o.set("transcription", transcription.json());
            o.put("peak_resident_bytes", peakBytes);
            return o;
        }
    }
}
