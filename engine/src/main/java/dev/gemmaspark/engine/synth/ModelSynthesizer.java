package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import dev.gemmaspark.engine.model.Gemma3nConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes a Gemma 3n GGUF with random weights and the real dimensions, so that speed can be measured without the
 * real checkpoints. Names, shapes, metadata keys and the per-tensor type choice are those of llama.cpp's converter
 * followed by llama-quantize, so llama.cpp loads the file too. On request the file also carries the audio tower and
 * embedder (which llama.cpp would put in a separate mmproj file), so that one file transcribes.
 */
public final class ModelSynthesizer {
    /** {@code activation_sparsity_scale} of the sparse layers: float32 of Normal(0, 1).icdf(0.95), as converted. */
    private static final float SPARSITY_STD_MULTIPLIER = 1.6448533535003662f;
    private static final int SLIDING_PERIOD = 5;

    private ModelSynthesizer() {
    }

    /** The text model alone: {@link #write(Preset, GGMLType, long, Path, boolean, Path)} without the audio tower. */
    public static void write(Preset preset, GGMLType quant, long seed, Path vocabFrom, Path out) throws IOException {
        write(preset, quant, seed, vocabFrom, false, out);
    }

    /**
     * Writes the model to {@code out}, printing progress to stderr.
     *
     * @param preset    the dimensions
     * @param quant     F32, F16, BF16, Q8_0, Q4_0 (embeddings Q6_K) or Q4_K (the Q4_K_M mix)
     * @param seed      the weights depend on it alone (the same seed gives the same values under every quant)
     * @param vocabFrom a GGUF whose {@code tokenizer.*} keys are copied (padded to the preset's vocabulary size),
     *                  or null for a 500-token synthetic vocabulary
     * @param audio     also write the preset's audio tower and embedder ({@link Preset#audioTower}) under
     *                  llama.cpp's names, with the converter's {@code clip.audio.*} keys, and put Gemma 3n's audio
     *                  tokens into the vocabulary; with seed 2 the tower is golden/audio's weights exactly
     * @param out       the file to write (replaced)
     */
    /**
     * The model's vocabulary: {@code vocabFrom}'s or the synthetic one, padded to the preset's size, with Gemma 3n's
     * multimodal tokens for an audio model. A synthetic vocabulary padded to Gemma 3n's 262400 gets them at their
     * real ids only; a small one (the tiny presets) holds them among its first ids.
     */
    static Vocabulary vocabulary(Preset preset, Path vocabFrom, boolean audio) {
        boolean gemma3nIds = preset.vocabSize >= Vocabulary.GEMMA3N_SIZE;
        Vocabulary vocab = vocabFrom == null
                ? SyntheticVocabulary.create(preset.multimodalTokens || (audio && !gemma3nIds))
                : Vocabulary.fromGGUF(vocabFrom);
        vocab = vocab.paddedTo(Math.max(preset.vocabSize, vocab.size()));
        return audio ? vocab.withMultimodalTokens(vocabFrom == null ? "the synthetic vocabulary" : vocabFrom.toString())
                : vocab;
    }

    public static void write(Preset preset, GGMLType quant, long seed, Path vocabFrom, boolean audio, Path out)
            throws IOException {
        int fileType = QuantPolicy.fileType(quant);
        Vocabulary vocab = vocabulary(preset, vocabFrom, audio);
        List<TensorSpec> specs = GemmaLayout.tensors(preset, vocab.size());
        List<TensorSpec> audioSpecs = audio ? AudioLayout.tensors(preset.audioTower) : List.of();

        GGUFWriter w = new GGUFWriter();
        putModelMetadata(w, preset, seed);
        if (audio) {
            putAudioMetadata(w, preset.audioTower);
        }
        vocab.writeTo(w);
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32("general.file_type", fileType);

        Progress progress = new Progress(System.err, out, specs.size() + audioSpecs.size());
        for (TensorSpec spec : specs) {
            GGMLType type = QuantPolicy.tensorType(quant, spec.name(), spec.ne().length, spec.layer(), preset.layers);
            add(w, spec, type, seed, progress);
        }
        for (TensorSpec spec : audioSpecs) {
            add(w, spec, QuantPolicy.audioTensorType(quant, spec.name(), spec.ne().length), seed, progress);
        }
        System.err.printf(Locale.ROOT, "synth: writing %s (%s, %s, seed %d, %d tokens, %d tensors%s)%n", out,
                preset, quant, seed, vocab.size(), specs.size() + audioSpecs.size(), audio ? ", audio tower" : "");
        w.write(out);
        progress.finished();
    }

    private static void add(GGUFWriter w, TensorSpec spec, GGMLType type, long seed, Progress progress) {
        w.addTensor(spec.name(), type, spec.ne(), dst -> {
            TensorGenerator.fill(spec, type, seed, dst);
            progress.tensorDone(spec, dst.byteSize());
        });
    }

    /**
     * Writes a random-weight Gemma 3n vision projector (mmproj) with the real tower's shapes ({@link VisionLayout}:
     * 84 blocks, S = 768, 2048 outputs) projecting to {@code textWidth}, as llama.cpp's converter writes it: F16
     * convolution and projection weights (the stem F32) with F32 norms, or every tensor F32.
     */
    public static void writeProjector(GGMLType quant, long seed, int textWidth, Path out) throws IOException {
        if (quant != GGMLType.F16 && quant != GGMLType.F32 && quant != GGMLType.BF16) {
            throw new IllegalArgumentException("a vision projector is written as F16, BF16 or F32, not " + quant);
        }
        List<VisionLayout.Tensor> tensors = VisionLayout.tensors(textWidth);
        GGUFWriter w = new GGUFWriter();
        w.putString("general.architecture", "clip");
        w.putString("general.type", "mmproj");
        w.putString("general.name", "gemma3n-mmproj-random-seed" + seed);
        w.putString("general.description", "random weights, seed=" + seed + "; synthetic Gemma 3n MobileNetV5 vision"
                + " projector with the real shapes (not a trained model)");
        w.putUInt32("general.file_type", QuantPolicy.fileType(quant));
        w.putBool("clip.has_vision_encoder", true);
        w.putString("clip.vision.projector_type", "gemma3nv");
        w.putUInt32("clip.vision.image_size", VisionLayout.IMAGE_SIZE);
        w.putUInt32("clip.vision.patch_size", VisionLayout.IMAGE_SIZE / 256);
        w.putUInt32("clip.vision.embedding_length", VisionLayout.OUTPUT);
        w.putUInt32("clip.vision.projection_dim", textWidth);
        w.putUInt32("clip.vision.feed_forward_length", 8192);
        w.putUInt32("clip.vision.block_count", 128);
        w.putUInt32("clip.vision.attention.head_count", 8);
        w.putFloat32("clip.vision.attention.layer_norm_epsilon", 1e-6f);
        w.putArray("clip.vision.image_mean", GGUFWriter.ValueType.FLOAT32, new float[] {0, 0, 0});
        w.putArray("clip.vision.image_std", GGUFWriter.ValueType.FLOAT32, new float[] {1, 1, 1});
        Progress progress = new Progress(System.err, out, tensors.size());
        for (VisionLayout.Tensor t : tensors) {
            add(w, t.spec(), t.type(quant), seed, progress);
        }
        System.err.printf(Locale.ROOT, "synth: writing %s (vision projector, %s, seed %d, %d tensors)%n", out, quant,
                seed, tensors.size());
        w.write(out);
        progress.finished();
    }

    /** The keys llama.cpp's converter writes for Gemma 3n's audio encoder, which AudioConfig.fromGGUF reads. */
    private static void putAudioMetadata(GGUFWriter w, AudioConfig a) {
        w.putBool("clip.has_audio_encoder", true);
        w.putString("clip.audio.projector_type", "gemma3na");
        w.putUInt32("clip.audio.num_mel_bins", a.melBins());
        w.putUInt32("clip.audio.embedding_length", a.hiddenSize());
        w.putUInt32("clip.audio.feed_forward_length", 4L * a.hiddenSize());
        w.putUInt32("clip.audio.block_count", a.numLayers());
        w.putUInt32("clip.audio.attention.head_count", a.numHeads());
        w.putUInt32("clip.audio.projection_dim", a.textHiddenSize());
    }

    private static void putModelMetadata(GGUFWriter w, Preset p, long seed) {
        String arch = Gemma3nConfig.ARCH;
        String k = arch + ".";
        w.putString("general.architecture", arch);
        w.putString("general.type", "model");
        w.putString("general.name", "gemma3n-random-" + p.name().toLowerCase(Locale.ROOT) + "-seed" + seed);
        w.putString("general.description", "random weights, seed=" + seed + "; synthetic gemma3n model with the "
                + p + " dimensions (not a trained model)");
        w.putUInt32(k + "context_length", p.contextLength);
        w.putUInt32(k + "embedding_length", p.embd);
        w.putUInt32(k + "block_count", p.layers);
        int[] ffn = new int[p.layers];
        float[] sparsity = new float[p.layers];
        boolean[] sliding = new boolean[p.layers];
        for (int l = 0; l < p.layers; l++) {
            ffn[l] = p.ffn;
            sparsity[l] = l < Gemma3nConfig.SPARSE_LAYERS ? SPARSITY_STD_MULTIPLIER : Float.NEGATIVE_INFINITY;
            sliding[l] = l % SLIDING_PERIOD < SLIDING_PERIOD - 1;
        }
        w.putArray(k + "feed_forward_length", GGUFWriter.ValueType.INT32, ffn);
        w.putUInt32(k + "attention.head_count", p.heads);
        w.putUInt32(k + "attention.head_count_kv", p.kvHeads);
        w.putFloat32(k + "rope.freq_base", 1_000_000f);
        w.putFloat32(k + "rope.freq_base_swa", 10_000f);
        w.putFloat32(k + "attention.layer_norm_rms_epsilon", 1e-6f);
        w.putUInt32(k + "attention.key_length", p.headDim);
        w.putUInt32(k + "attention.value_length", p.headDim);
        w.putFloat32(k + "final_logit_softcapping", Gemma3nConfig.LOGIT_SOFTCAP);
        w.putUInt32(k + "attention.sliding_window", p.slidingWindow);
        w.putUInt32(k + "altup.active_idx", 0);
        w.putUInt32(k + "altup.num_inputs", Gemma3nConfig.ALTUP_STREAMS);
        w.putUInt32(k + "embedding_length_per_layer_input", Gemma3nConfig.PER_LAYER_DIM);
        w.putUInt32(k + "attention.shared_kv_layers", p.sharedKvLayers);
        w.putArray(k + "activation_sparsity_scale", GGUFWriter.ValueType.FLOAT32, sparsity);
        w.putArray(k + "attention.sliding_window_pattern", GGUFWriter.ValueType.BOOL, sliding);
    }

    /** One stderr line per global tensor and per finished layer. */
    private static final class Progress {
        private final PrintStream err;
        private final Path out;
        private final int tensors;
        private final long start = System.nanoTime();
        private int done;
        private long bytes;

        Progress(PrintStream err, Path out, int tensors) {
            this.err = err;
            this.out = out;
            this.tensors = tensors;
        }

        void tensorDone(TensorSpec spec, long tensorBytes) {
            done++;
            bytes += tensorBytes;
            String name = spec.name();
            boolean audio = name.startsWith("a.");
            boolean lastOfLayer = name.endsWith(audio ? ".layer_pre_norm.weight" : ".laurel_post_norm.weight");
            if (spec.layer() < 0 || lastOfLayer) {
                err.printf(Locale.ROOT, "synth: %-32s %4d/%d tensors  %8.1f MB  %6.1f s%n",
                        spec.layer() < 0 ? name : (audio ? "audio block " : "layer ") + spec.layer(), done, tensors,
                        bytes / 1e6, (System.nanoTime() - start) / 1e9);
            }
        }

        void finished() {
            err.printf(Locale.ROOT, "synth: wrote %s, %.1f MB of tensor data in %.1f s%n", out, bytes / 1e6,
                    (System.nanoTime() - start) / 1e9);
        }
    }
}
