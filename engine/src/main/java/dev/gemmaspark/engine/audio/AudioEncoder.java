package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Gemma 3n's audio tower and audio embedder, from the HF checkpoint tensors {@code model.audio_tower.*} and
 * {@code model.embed_audio.*} (or the same under llama.cpp's GGUF names): 16 kHz mono clips in, one {@link AudioEmbedding} per clip out (the text-width
 * vectors for the 188 {@code <audio_soft_token>} slots of its prompt).
 *
 * <p>Clips are encoded together (every matrix product runs over all their steps) but each as if it were alone,
 * padded only to a multiple of 128 samples, so a clip's result does not depend on the rest of the batch.
 * {@link #embedPaddedBatch} instead pads every clip to the longest, as one call of HF's feature extractor does.
 * As HF, clips are cut at 30 s (split longer audio with {@link LongAudio}); a clip needs more than
 * {@value LogMelFrontEnd#FRAME} samples (32 ms). Thread-safe: passes run one at a time on the given pool.
 */
public final class AudioEncoder implements AutoCloseable {
    public static final String TOWER_PREFIX = "model.audio_tower.";
    public static final String EMBEDDER_PREFIX = "model.embed_audio.";
    /** Clips are grouped so that one pass holds at most this many encoder steps (four 30 s clips). */
    private static final int MAX_STEPS_PER_PASS = 3000;

    private final AudioConfig config;
    private final ThreadPool pool;
    private final AutoCloseable owned;
    /** The Q8_0 copies of the linear layers when quantized at load, else null. */
    private final Q8_0AudioWeights quantized;
    private final LogMelFrontEnd frontEnd = new LogMelFrontEnd();
    final SubsampleConvProjection sscp;
    final ConformerBlock[] blocks;
    final AudioEmbedder embedder;
    private final float[] padding;

    private AudioEncoder(AudioWeights stored, AudioConfig config, ThreadPool pool, AutoCloseable owned, boolean toQ8_0) {
        this.config = config;
        this.pool = pool;
        this.owned = owned;
        this.quantized = toQ8_0 ? new Q8_0AudioWeights(stored) : null;
        AudioWeights weights = quantized != null ? quantized : stored;
        try {
            sscp = new SubsampleConvProjection(weights, TOWER_PREFIX + "subsample_conv_projection.", config);
            blocks = new ConformerBlock[config.numLayers()];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = new ConformerBlock(weights, TOWER_PREFIX + "conformer." + i + ".", config, pool);
            }
            embedder = new AudioEmbedder(weights, EMBEDDER_PREFIX, config);
        } catch (RuntimeException e) {
            if (quantized != null) {
                quantized.close();
            }
            throw e;
        }
        // HF fills unused and invalid slots with the embedding of the last audio id (text vocab size - 1).
        padding = embedder.hard(pool, config.vocabOffset() + config.vocabSize() - 1);
    }

    /** A view of {@code shared}'s weights that runs on {@code pool} and owns nothing. */
    private AudioEncoder(AudioEncoder shared, ThreadPool pool) {
        this.config = shared.config;
        this.pool = pool;
        this.owned = null;
        this.quantized = null;
        this.sscp = shared.sscp;
        this.blocks = shared.blocks;
        this.embedder = shared.embedder;
        this.padding = shared.padding;
    }

    /**
     * The same encoder running its passes on {@code pool}: how the inference contexts of one set of weights, each
     * with its own thread pool, share one tower. Closing the view closes nothing; this encoder owns the weights.
     */
    public AudioEncoder withPool(ThreadPool pool) {
        return new AudioEncoder(this, pool);
    }

    /**
     * Loads from {@code path} (see {@link #load(Path, AudioConfig, ThreadPool)}) with the {@code config.json} in its
     * folder, or the shipped dimensions when there is none; with {@code toQ8_0}, the linear layers are quantized to
     * Q8_0 at load.
     */
    public static AudioEncoder load(Path path, ThreadPool pool, boolean toQ8_0) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path json = dir.resolve("config.json");
        return load(path, Files.isRegularFile(json) ? AudioConfig.fromJson(json) : AudioConfig.GEMMA3N, pool, toQ8_0);
    }

    /**
     * Loads from an HF checkpoint (a {@code .safetensors} file, a folder of shards with its index) or a GGUF file
     * holding the tower under llama.cpp's converter names; the files stay mapped until {@link #close}.
     */
    public static AudioEncoder load(Path path, AudioConfig config, ThreadPool pool) throws IOException {
        return load(path, config, pool, false);
    }

    /** Like {@link #load(Path, AudioConfig, ThreadPool)}; with {@code toQ8_0}, the linear layers are quantized to Q8_0. */
    public static AudioEncoder load(Path path, AudioConfig config, ThreadPool pool, boolean toQ8_0) throws IOException {
        if (isGguf(path)) {
            GGUFFile gguf = GGUFFile.open(path);
            return closingOnFailure(gguf, () -> new AudioEncoder(new GgufAudioWeights(gguf), config, pool, gguf, toQ8_0));
        }
        SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(path);
        return closingOnFailure(ckpt, () -> new AudioEncoder(new SafetensorsAudioWeights(ckpt), config, pool, ckpt, toQ8_0));
    }

    /** Over a checkpoint the caller keeps open (and closes after this encoder is no longer used). */
    public static AudioEncoder load(SafetensorsCheckpoint checkpoint, AudioConfig config, ThreadPool pool) {
        return new AudioEncoder(new SafetensorsAudioWeights(checkpoint), config, pool, null, false);
    }

    /**
     * Over a GGUF file the caller keeps open, typically the text model's when it carries the audio tower too;
     * throws naming the file when it has none ({@link #hasAudioTower}).
     */
    public static AudioEncoder load(GGUFFile gguf, AudioConfig config, ThreadPool pool) {
        return load(gguf, config, pool, false);
    }

    /** Like {@link #load(GGUFFile, AudioConfig, ThreadPool)}; with {@code toQ8_0}, the linear layers are quantized to Q8_0. */
    public static AudioEncoder load(GGUFFile gguf, AudioConfig config, ThreadPool pool, boolean toQ8_0) {
        return new AudioEncoder(new GgufAudioWeights(gguf), config, pool, null, toQ8_0);
    }

    public static boolean hasAudioTower(GGUFFile gguf) {
        return gguf.tensorOrNull(GgufAudioWeights.FIRST_TENSOR) != null;
    }

    /** The name llama.cpp's converter gives the HF audio tensor {@code hfName} in a GGUF file. */
    public static String ggufTensorName(String hfName) {
        return GgufAudioWeights.ggufName(hfName);
    }

    private static boolean isGguf(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(4), "GGUF".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static AudioEncoder closingOnFailure(AutoCloseable resource, Supplier<AudioEncoder> build) {
        try {
            return build.get();
        } catch (RuntimeException e) {
            try {
                resource.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public AudioConfig config() {
        return config;
    }

    /** Audio soft tokens a clip of {@code samples} samples gets when encoded alone: ceil(n / 2560), cut at 30 s. */
    public int tokenCount(int samples) {
        int frames = LogMelFrontEnd.frameCount(samples);
        return frames == 0 ? 0 : ceilDiv(SubsampleConvProjection.steps(frames), config.reductionFactor());
    }

    public AudioEmbedding embed(float[] clip) {
        return embed(List.of(clip)).get(0);
    }

    /** Each clip as if alone (see the class comment), all clips in shared passes. */
    public List<AudioEmbedding> embed(List<float[]> clips) {
        checkLengths(clips);
        List<MelFeatures> features = new ArrayList<>(clips.size());
        for (float[] clip : clips) {
            features.add(frontEnd.extract(clip));
        }
        return embedFeatures(features);
    }

    /** As HF's one call over all clips: each padded to the longest, which changes the last tokens of shorter clips. */
    public List<AudioEmbedding> embedPaddedBatch(List<float[]> clips) {
        checkLengths(clips);
        return embedFeatures(frontEnd.extractBatch(clips));
    }

    /** The text-width embedding of an audio-vocabulary token such as {@code <end_of_audio>} (262272). */
    public float[] hardEmbedding(int tokenId) {
        return embedder.hard(pool, tokenId);
    }

    List<AudioEmbedding> embedFeatures(List<MelFeatures> features) {
        List<AudioEmbedding> out = new ArrayList<>(features.size());
        int from = 0;
        while (from < features.size()) {
            int to = from;
            int steps = 0;
            do {
                steps += SubsampleConvProjection.steps(features.get(to).frames());
                to++;
            } while (to < features.size() && steps + SubsampleConvProjection.steps(features.get(to).frames()) <= MAX_STEPS_PER_PASS);
            out.addAll(embedPass(features.subList(from, to)));
            from = to;
        }
        return out;
    }

    private List<AudioEmbedding> embedPass(List<MelFeatures> features) {
        Tokens tokens = encode(features);
        int textDim = config.textHiddenSize();
        float[] soft = new float[tokens.batch.rows() * textDim];
        embedder.soft(pool, tokens.hidden, tokens.batch.rows(), soft);
        int slots = config.softTokensPerClip();
        List<AudioEmbedding> out = new ArrayList<>(features.size());
        for (int c = 0; c < tokens.batch.clips(); c++) {
            float[] e = new float[slots * textDim];
            int n = tokens.batch.length(c);
            int valid = 0;
            for (int j = 0; j < slots; j++) {
                int row = tokens.batch.start(c) + j;
                if (j < n && tokens.batch.valid(row)) {
                    System.arraycopy(soft, row * textDim, e, j * textDim, textDim);
                    valid++;
                } else {
                    System.arraycopy(padding, 0, e, j * textDim, textDim);
                }
            }
            out.add(new AudioEmbedding(e, slots, textDim, valid, n));
        }
        return out;
    }

    /** Encoder outputs: every {@code reductionFactor}-th step of each clip, invalid ones zeroed. */
    record Tokens(float[] hidden, ClipBatch batch) {
    }

    /** Encoder steps after the last block, before the reduction. */
    record Steps(float[] hidden, ClipBatch batch) {
    }

    Tokens encode(List<MelFeatures> features) {
        Steps steps = encodeSteps(features);
        int dim = config.hiddenSize();
        int r = config.reductionFactor();
        int clips = features.size();
        int[] lengths = new int[clips];
        boolean[][] valid = new boolean[clips][];
        int rows = 0;
        for (int c = 0; c < clips; c++) {
            lengths[c] = ceilDiv(steps.batch.length(c), r);
            valid[c] = new boolean[lengths[c]];
            for (int j = 0; j < lengths[c]; j++) {
                valid[c][j] = steps.batch.valid(steps.batch.start(c) + j * r);
            }
            rows += lengths[c];
        }
        ClipBatch batch = new ClipBatch(lengths, valid);
        float[] hidden = new float[rows * dim];
        for (int c = 0; c < clips; c++) {
            for (int j = 0; j < lengths[c]; j++) {
                if (valid[c][j]) {
                    System.arraycopy(steps.hidden, (steps.batch.start(c) + j * r) * dim, hidden, (batch.start(c) + j) * dim, dim);
                }
            }
        }
        return new Tokens(hidden, batch);
    }

    Steps encodeSteps(List<MelFeatures> features) {
        Steps steps = subsample(features);
        Workspace ws = new Workspace();
        for (ConformerBlock block : blocks) {
            block.forward(pool, steps.hidden, steps.batch, ws);
        }
        return steps;
    }

    /** The SSCP output of each clip, stacked, with step t valid when mel frame min(4t, frames - 1) is. */
    Steps subsample(List<MelFeatures> features) {
        int clips = features.size();
        int width = sscp.projectionWidth();
        int[] lengths = new int[clips];
        boolean[][] valid = new boolean[clips][];
        float[][] stepInputs = new float[clips][];
        int rows = 0;
        for (int c = 0; c < clips; c++) {
            MelFeatures f = features.get(c);
            if (f.frames() == 0) {
                throw new IllegalArgumentException("audio clip " + c + " has no mel frames (it needs more than "
                        + LogMelFrontEnd.FRAME + " samples)");
            }
            float[] y0 = sscp.block0(pool, f);
            int t1 = y0.length / (config.sscpFreq0() * config.sscpChannels0());
            stepInputs[c] = sscp.block1(pool, y0, t1);
            lengths[c] = stepInputs[c].length / width;
            valid[c] = new boolean[lengths[c]];
            for (int t = 0; t < lengths[c]; t++) {
                valid[c][t] = f.valid()[Math.min(4 * t, f.frames() - 1)];
            }
            rows += lengths[c];
        }
        float[] stacked = new float[rows * width];
        int at = 0;
        for (float[] s : stepInputs) {
            System.arraycopy(s, 0, stacked, at, s.length);
            at += s.length;
        }
        float[] hidden = new float[rows * config.hiddenSize()];
        sscp.project(pool, stacked, rows, hidden);
        return new Steps(hidden, new ClipBatch(lengths, valid));
    }

    private static void checkLengths(List<float[]> clips) {
        for (int i = 0; i < clips.size(); i++) {
            int n = clips.get(i).length;
            if (n < LogMelFrontEnd.MIN_SAMPLES) {
                throw new IllegalArgumentException("audio clip " + i + " is too short: " + n + " samples ("
                        + (n * 1000 / LogMelFrontEnd.SAMPLE_RATE) + " ms); the encoder needs more than " + LogMelFrontEnd.FRAME
                        + " samples (32 ms) at 16 kHz");
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        if (quantized != null) {
            quantized.close();
        }
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the audio weights", e);
            }
        }
    }
}
