package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEmbedding;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.audio.LongAudio;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code embed-audio}: a recording through the audio tower and embedder alone (no text model), written as the
 * float32 {@code .npy} [188 x windows, n_embd] that fills the {@code <audio_soft_token>} slots of a transcription
 * prompt, 188 per 30-second window (unused slots hold the padding embedding, as transformers' Gemma3nModel fills
 * them): audio features, the counterpart of {@code embed-image}.
 */
final class EmbedAudioCommand implements Command {
    private static final Option AUDIO_WEIGHTS = Option.value("--audio-weights", "W",
            "the audio tower and embedder: a safetensors file (config.json beside it) or sharded folder; or --model");
    private static final Option AUDIO_Q8_0 = Option.flag("--audio-q8_0",
            "quantize the audio tower's linear layers to Q8_0 at load, as transcribe does");
    private static final Option FILE = Option.value("--file", "F", "the audio file (WAV, FLAC or MP3; required)");
    private static final Option OUT = Option.value("--out", "E.npy", "the output file (required)");

    @Override
    public String name() {
        return "embed-audio";
    }

    @Override
    public String summary() {
        return "the audio embedder's output for a recording, written as a float32 .npy [188 x windows, n_embd]";
    }

    @Override
    public String synopsis() {
        return "(--model M.gguf | --audio-weights W) [--audio-q8_0] --file F --out E.npy [--threads N]";
    }

    @Override
    public List<Option> options() {
        return List.of(ModelOptions.MODEL, AUDIO_WEIGHTS, AUDIO_Q8_0, FILE, OUT, ModelOptions.THREADS);
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        args.requireOneOf(ModelOptions.MODEL.name(), AUDIO_WEIGHTS.name());
        Path file = args.path(OUT.name());
        float[] samples = AudioDecoder.decode(args.path(FILE.name()));
        List<float[]> windows = new ArrayList<>();
        for (LongAudio.Window w : LongAudio.split(samples)) {
            windows.add(w.slice(samples));
        }
        boolean q8_0 = args.has(AUDIO_Q8_0.name());
        int threads = ModelOptions.engineOptions(args).threads();
        try (ThreadPool pool = new ThreadPool(threads); AudioEncoder encoder = encoder(args, pool, q8_0)) {
            long start = System.nanoTime();
            List<AudioEmbedding> embedded = encoder.embed(windows);
            if (args.has(Main.VERBOSE.name())) {
                err.printf("encoded %.2f s of audio in %.2f s (%d threads)%n",
                        samples.length / (double) AudioDecoder.MODEL_RATE, (System.nanoTime() - start) / 1e9, threads);
            }
            int width = embedded.getFirst().width();
            int slots = embedded.stream().mapToInt(AudioEmbedding::slots).sum();
            int valid = embedded.stream().mapToInt(AudioEmbedding::validTokens).sum();
            float[] all = new float[slots * width];
            int at = 0;
            for (AudioEmbedding e : embedded) {
                System.arraycopy(e.embeddings(), 0, all, at, e.embeddings().length);
                at += e.embeddings().length;
            }
            new NpyArray(new int[] {slots, width}, all).write(file);
            out.printf("wrote %s: float32 [%d, %d], %d window(s), %d slots from the encoder%n", file, slots, width,
                    embedded.size(), valid);
        }
    }

    /** The tower of {@code --audio-weights}, or of the GGUF {@code --model} (which must carry one). */
    private static AudioEncoder encoder(Arguments args, ThreadPool pool, boolean q8_0) throws IOException {
        if (args.has(AUDIO_WEIGHTS.name())) {
            return AudioEncoder.load(args.path(AUDIO_WEIGHTS.name()), pool, q8_0);
        }
        Path model = ModelOptions.model(args);
        AudioConfig config;
        try (GGUFFile gguf = GGUFFile.open(model)) {
            if (!AudioEncoder.hasAudioTower(gguf)) {
                throw UsageException.of(ModelOptions.MODEL.name(), model + " has no audio tower (a.*, mm.a.*);"
                        + " give --audio-weights");
            }
            config = AudioConfig.fromGGUF(gguf);
        }
        return AudioEncoder.load(model, config, pool, q8_0);
    }
}
