package dev.gemmaspark.engine.audio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The dimensions of Gemma 3n's audio encoder and embedder (HF's {@code Gemma3nAudioConfig} plus the text width
 * and the number of audio slots per clip). {@link #GEMMA3N} is the shipped configuration, the same in E2B and E4B.
 */
public record AudioConfig(
        int melBins,
        int hiddenSize,
        int numHeads,
        int numLayers,
        int sscpChannels0,
        int sscpChannels1,
        float sscpGroupNormEps,
        int chunkSize,
        int contextLeft,
        float logitCap,
        int convKernel,
        int reductionFactor,
        float residualWeight,
        float rmsNormEps,
        int vocabSize,
        int vocabOffset,
        int textHiddenSize,
        int softTokensPerClip) {

    public static final AudioConfig GEMMA3N = new AudioConfig(128, 1536, 8, 12, 128, 32, 1e-3f, 12, 13, 50f, 5, 4, 0.5f,
            1e-6f, 128, 262272, 2048, 188);

    private static final ObjectMapper JSON = new ObjectMapper();

    public AudioConfig {
        if (hiddenSize % numHeads != 0 || hiddenSize % 2 != 0) {
            throw new IllegalArgumentException("audio hidden size " + hiddenSize + " must be even and a multiple of the "
                    + numHeads + " heads");
        }
        if (melBins != LogMelFrontEnd.MEL_BINS) {
            throw new IllegalArgumentException("audio input_feat_size " + melBins + ": the front end makes "
                    + LogMelFrontEnd.MEL_BINS + " mel bins");
        }
        if (contextLeft < 1 || chunkSize < 1 || reductionFactor < 1 || convKernel < 1 || numLayers < 0) {
            throw new IllegalArgumentException("bad audio config " + this);
        }
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** How many past steps a query sees besides itself (HF's {@code max_past_horizon}). */
    public int maxPast() {
        return contextLeft - 1;
    }

    /** Frequency bins after the two stride-2 convolutions (with their padding of 1 on each side). */
    int sscpFreq0() {
        return (melBins + 2 - 3) / 2 + 1;
    }

    int sscpFreq1() {
        return (sscpFreq0() + 2 - 3) / 2 + 1;
    }

    /**
     * From an HF {@code config.json}: a full Gemma 3n config ({@code audio_config}, {@code text_config.hidden_size},
     * {@code audio_soft_tokens_per_image}), or a file with {@code audio_config} and {@code text_hidden_size}. Keys
     * that are absent take the shipped values; a checkpoint whose convolutions or attention differ from what this
     * encoder implements is rejected.
     */
    public static AudioConfig fromJson(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": not a JSON object");
        }
        JsonNode a = root.has("audio_config") ? root.get("audio_config") : root;
        AudioConfig d = GEMMA3N;
        requireDefault(file, a, "conf_attention_context_right", 0);
        requireSscpGeometry(file, a, "sscp_conv_kernel_size", 3);
        requireSscpGeometry(file, a, "sscp_conv_stride_size", 2);
        JsonNode channels = a.get("sscp_conv_channel_size");
        int text = d.textHiddenSize;
        if (root.has("text_hidden_size")) {
            text = root.get("text_hidden_size").asInt();
        } else if (root.has("text_config") && root.get("text_config").has("hidden_size")) {
            text = root.get("text_config").get("hidden_size").asInt();
        }
        try {
            return new AudioConfig(
                    a.path("input_feat_size").asInt(d.melBins),
                    a.path("hidden_size").asInt(d.hiddenSize),
                    a.path("conf_num_attention_heads").asInt(d.numHeads),
                    a.path("conf_num_hidden_layers").asInt(d.numLayers),
                    channels != null ? channels.get(0).asInt() : d.sscpChannels0,
                    channels != null ? channels.get(1).asInt() : d.sscpChannels1,
                    (float) a.path("sscp_conv_group_norm_eps").asDouble(d.sscpGroupNormEps),
                    a.path("conf_attention_chunk_size").asInt(d.chunkSize),
                    a.path("conf_attention_context_left").asInt(d.contextLeft),
                    (float) a.path("conf_attention_logit_cap").asDouble(d.logitCap),
                    a.path("conf_conv_kernel_size").asInt(d.convKernel),
                    a.path("conf_reduction_factor").asInt(d.reductionFactor),
                    (float) a.path("conf_residual_weight").asDouble(d.residualWeight),
                    (float) a.path("rms_norm_eps").asDouble(d.rmsNormEps),
                    a.path("vocab_size").asInt(d.vocabSize),
                    a.path("vocab_offset").asInt(d.vocabOffset),
                    text,
                    root.path("audio_soft_tokens_per_image").asInt(d.softTokensPerClip));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * From a GGUF file that carries the tower under llama.cpp's names: the {@code clip.audio.*} keys its converter
     * writes for the mel bins, width, blocks, heads and text width, the SSCP channels from the conv weights' shapes,
     * the rest (and any absent key) as shipped. The converter's {@code layer_norm_epsilon} (1e-5) is not Gemma 3n's
     * and is not read. Throws naming the file when the values make no valid encoder.
     */
    public static AudioConfig fromGGUF(GGUFFile f) {
        AudioConfig d = GEMMA3N;
        try {
            return new AudioConfig(f.getInt("clip.audio.num_mel_bins", d.melBins),
                    f.getInt("clip.audio.embedding_length", d.hiddenSize),
                    f.getInt("clip.audio.attention.head_count", d.numHeads),
                    f.getInt("clip.audio.block_count", d.numLayers),
                    outChannels(f, "a.conv1d.0.weight", d.sscpChannels0), outChannels(f, "a.conv1d.1.weight", d.sscpChannels1),
                    d.sscpGroupNormEps, d.chunkSize, d.contextLeft, d.logitCap, d.convKernel, d.reductionFactor,
                    d.residualWeight, d.rmsNormEps, d.vocabSize, d.vocabOffset,
                    f.getInt("clip.audio.projection_dim", d.textHiddenSize), d.softTokensPerClip);
        } catch (IllegalArgumentException e) {
            throw f.error(e.getMessage());
        }
    }

    /** A conv weight's output channels: its last ggml dimension. */
    private static int outChannels(GGUFFile f, String tensor, int fallback) {
        TensorInfo t = f.tensorOrNull(tensor);
        return t == null ? fallback : Math.toIntExact(t.ne()[t.ne().length - 1]);
    }

    private static void requireDefault(Path file, JsonNode a, String key, int expected) throws IOException {
        if (a.has(key) && a.get(key).asInt() != expected) {
            throw new IOException(file + ": " + key + " = " + a.get(key) + " is not supported (only " + expected + ")");
        }
    }

    private static void requireSscpGeometry(Path file, JsonNode a, String key, int expected) throws IOException {
        JsonNode pairs = a.get(key);
        if (pairs == null) {
            return;
        }
        for (JsonNode pair : pairs) {
            for (JsonNode v : pair) {
                if (v.asInt() != expected) {
                    throw new IOException(file + ": " + key + " = " + pairs + " is not supported (only " + expected + "x"
                            + expected + ")");
                }
            }
        }
    }
}
