package dev.gemmaspark.engine.model;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;

/**
 * The dimensions and constants of a Gemma 3n text decoder, read from GGUF metadata and checked against
 * the tensor shapes. Where llama.cpp hard-codes a value and ignores the key (spec 3.2), so do we.
 *
 * @param nLayer          decoder layers
 * @param nEmbd           model width D
 * @param nHead           query heads
 * @param nHeadKv         key/value heads
 * @param headDim         width of one head
 * @param nFF             FFN width (layer 0's, used for every layer as llama.cpp does)
 * @param vocabSize       rows of the embedding (equals the tokenizer's vocabulary)
 * @param contextLength   the training context length
 * @param slidingWindow   keys visible to a sliding layer, the query included
 * @param ropeBase        RoPE base of global layers
 * @param ropeBaseSwa     RoPE base of sliding layers
 * @param rmsEps          epsilon of every RMS norm
 * @param sliding         per layer: true when the layer uses sliding-window attention
 */
public record Gemma3nConfig(int nLayer, int nEmbd, int nHead, int nHeadKv, int headDim, int nFF, int vocabSize,
                            int contextLength, int slidingWindow, float ropeBase, float ropeBaseSwa, float rmsEps,
                            boolean[] sliding) {

    public static final String ARCH = "gemma3n";
    /** AltUp streams (hard-coded in llama.cpp). */
    public static final int ALTUP_STREAMS = 4;
    /** Width of the per-layer input of each layer (hard-coded). */
    public static final int PER_LAYER_DIM = 256;
    /** LAuReL rank (hard-coded). */
    public static final int LAUREL_RANK = 64;
    /** Layers at and after this one reuse the KV cache of an earlier layer (hard-coded). */
    public static final int KV_LAYERS = 20;
    /** Layers before this one sparsify the FFN gate with a Gaussian top-k (hard-coded). */
    public static final int SPARSE_LAYERS = 10;
    /** Final logit soft-capping (hard-coded). */
    public static final float LOGIT_SOFTCAP = 30f;

    public static Gemma3nConfig fromGGUF(GGUFFile f) {
        String arch = f.getString("general.architecture", null);
        if (!ARCH.equals(arch)) {
            throw f.error("architecture is '" + arch + "', expected '" + ARCH + "'");
        }
        String p = ARCH + ".";
        int nLayer = f.getInt(p + "block_count");
        int nEmbd = f.getInt(p + "embedding_length");
        int nHead = f.getInt(p + "attention.head_count");
        int nHeadKv = f.getInt(p + "attention.head_count_kv");
        int headDim = f.getInt(p + "attention.key_length", nEmbd / nHead);
        int nFF = f.metadata().get(p + "feed_forward_length") instanceof Number
                ? f.getInt(p + "feed_forward_length")
                : f.getIntArray(p + "feed_forward_length")[0];
        boolean[] sliding = new boolean[nLayer];
        Object pattern = f.metadata().get(p + "attention.sliding_window_pattern");
        if (pattern instanceof boolean[] flags) {
            if (flags.length != nLayer) {
                throw f.error("attention.sliding_window_pattern has " + flags.length + " entries for " + nLayer
                        + " layers");
            }
            System.arraycopy(flags, 0, sliding, 0, nLayer);
        } else {
            int period = pattern instanceof Number n ? n.intValue() : 5;
            for (int l = 0; l < nLayer; l++) {
                sliding[l] = period > 0 && l % period < period - 1;
            }
        }
        int vocab = f.has("tokenizer.ggml.tokens") ? f.getStringArray("tokenizer.ggml.tokens").length : 0;
        TensorInfo embd = f.tensorOrNull("token_embd.weight");
        if (embd != null && vocab == 0) {
            vocab = (int) embd.dim(1);
        }
        Gemma3nConfig c = new Gemma3nConfig(nLayer, nEmbd, nHead, nHeadKv, headDim, nFF, vocab,
                f.getInt(p + "context_length"), f.getInt(p + "attention.sliding_window"),
                f.getFloat(p + "rope.freq_base", 1_000_000f), f.getFloat(p + "rope.freq_base_swa", 10_000f),
                f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-6f), sliding);
        if (nLayer < 1 || nEmbd < 1 || nHead < 1 || nHeadKv < 1 || nHead % nHeadKv != 0 || headDim % 2 != 0) {
            throw f.error("inconsistent dimensions: " + c);
        }
        return c;
    }

    /** The layer whose KV cache layer {@code l} reads: itself, or for shared layers the last owning layer of its kind. */
    public int kvSourceLayer(int l) {
        if (l < KV_LAYERS) {
            return l;
        }
        return KV_LAYERS - (sliding[l] ? 2 : 1);
    }

    /** Layers that own a KV cache. */
    public int kvLayerCount() {
        return Math.min(nLayer, KV_LAYERS);
    }

    /** Bytes of F32 K and V cache one token takes over all owning layers. */
    public long kvBytesPerToken() {
        return 2L * kvLayerCount() * nHeadKv * headDim * Float.BYTES;
    }

    public int qDim() {
        return nHead * headDim;
    }

    public int kvDim() {
        return nHeadKv * headDim;
    }

    @Override
    public String toString() {
        return "layers=" + nLayer + " embd=" + nEmbd + " heads=" + nHead + "/" + nHeadKv + " head_dim=" + headDim
                + " ffn=" + nFF + " vocab=" + vocabSize + " ctx=" + contextLength + " window=" + slidingWindow;
    }
}
