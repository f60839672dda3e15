package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.audio.AudioConfig;

import java.util.Arrays;
import java.util.Locale;

/**
 * The dimensions of a synthesized Gemma 3n model. E2B and E4B are the real models' (HF configs, spec 3.1) with the
 * current converter's 262400-token vocabulary and the real audio tower; TINY is the golden {@code tiny6q} test
 * model's; TINY_AUDIO is a two-layer model as wide as the golden small audio tower's embedder (96), with a window
 * that sees a whole audio span, and whose vocabulary has the audio tokens, for end-to-end transcription tests. The
 * tiny presets' audio tower has the golden {@code small_sharp} run's dimensions (2 blocks of width 128).
 */
public enum Preset {
    E2B(30, 2048, 8192, 8, 2, 256, 512, 32768, 10, 262_400, 262_144, false, AudioConfig.GEMMA3N),
    E4B(35, 2048, 16384, 8, 2, 256, 512, 32768, 15, 262_400, 262_144, false, AudioConfig.GEMMA3N),
    TINY(6, 256, 1024, 4, 2, 64, 16, 2048, 0, 500, Integer.MAX_VALUE, false, smallTower(256)),
    TINY_AUDIO(2, 96, 384, 2, 1, 48, 512, 2048, 0, 500, Integer.MAX_VALUE, true, smallTower(96));

    public final int layers;
    public final int embd;
    public final int ffn;
    public final int heads;
    public final int kvHeads;
    public final int headDim;
    public final int slidingWindow;
    public final int contextLength;
    /** The value of {@code attention.shared_kv_layers} (llama.cpp hard-codes KV sharing from layer 20 instead). */
    public final int sharedKvLayers;
    /** Smallest vocabulary: a shorter one is padded with unused tokens up to this size, as the converter does. */
    public final int vocabSize;
    /**
     * Tokens with a per-layer embedding: the converter pads HF's 262144 rows of {@code per_layer_token_embd} to
     * the vocabulary size with zero rows.
     */
    public final int perLayerEmbeddedTokens;
    /** Whether the synthetic vocabulary carries the multimodal control tokens (audio and image). */
    public final boolean multimodalTokens;
    /** The audio tower written with {@code audio}: its embedder projects to this preset's width. */
    public final AudioConfig audioTower;

    Preset(int layers, int embd, int ffn, int heads, int kvHeads, int headDim, int slidingWindow,
           int contextLength, int sharedKvLayers, int vocabSize, int perLayerEmbeddedTokens,
           boolean multimodalTokens, AudioConfig audioTower) {
        this.layers = layers;
        this.embd = embd;
        this.ffn = ffn;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slidingWindow = slidingWindow;
        this.contextLength = contextLength;
        this.sharedKvLayers = sharedKvLayers;
        this.vocabSize = vocabSize;
        this.perLayerEmbeddedTokens = perLayerEmbeddedTokens;
        this.multimodalTokens = multimodalTokens;
        this.audioTower = audioTower;
    }

    /** golden/audio's small_sharp dimensions: width 128, 4 heads, 2 blocks, SSCP channels 24 and 12. */
    private static AudioConfig smallTower(int textWidth) {
        AudioConfig g = AudioConfig.GEMMA3N;
        return new AudioConfig(g.melBins(), 128, 4, 2, 24, 12, g.sscpGroupNormEps(), g.chunkSize(), g.contextLeft(),
                g.logitCap(), g.convKernel(), g.reductionFactor(), g.residualWeight(), g.rmsNormEps(), g.vocabSize(),
                g.vocabOffset(), textWidth, g.softTokensPerClip());
    }

    /** The preset called {@code name}, case-insensitive (e2b, e4b, tiny, tiny_audio). */
    public static Preset parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown preset '" + name + "' (expected one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ")", e);
        }
    }
}
