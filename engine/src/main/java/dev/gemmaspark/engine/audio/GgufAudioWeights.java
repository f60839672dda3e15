package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Audio weights from a GGUF file under the names llama.cpp's converter gives them ({@code a.*}, {@code mm.a.*};
 * gemma3n-multimodal spec 3.9). GGUF lists dimensions fastest first, so a tensor's HF shape is its {@code ne}
 * reversed, with the same bytes.
 */
final class GgufAudioWeights implements AudioWeights {
    private static final String TOWER = "model.audio_tower.";
    private static final Pattern SSCP = Pattern.compile("subsample_conv_projection\\.conv_(\\d+)\\.(conv|norm)\\.weight");
    private static final Pattern BLOCK = Pattern.compile("conformer\\.(\\d+)\\.(.+)");
    private static final Map<String, String> BLOCK_NAMES = Map.ofEntries(
            Map.entry("ffw_layer_start.pre_layer_norm.weight", "ffn_norm.weight"),
            Map.entry("ffw_layer_start.ffw_layer_1.weight", "ffn_up.weight"),
            Map.entry("ffw_layer_start.ffw_layer_2.weight", "ffn_down.weight"),
            Map.entry("ffw_layer_start.post_layer_norm.weight", "ffn_post_norm.weight"),
            Map.entry("ffw_layer_end.pre_layer_norm.weight", "ffn_norm_1.weight"),
            Map.entry("ffw_layer_end.ffw_layer_1.weight", "ffn_up_1.weight"),
            Map.entry("ffw_layer_end.ffw_layer_2.weight", "ffn_down_1.weight"),
            Map.entry("ffw_layer_end.post_layer_norm.weight", "ffn_post_norm_1.weight"),
            Map.entry("attention.pre_attn_norm.weight", "ln1.weight"),
            Map.entry("attention.attn.q_proj.weight", "attn_q.weight"),
            Map.entry("attention.attn.k_proj.weight", "attn_k.weight"),
            Map.entry("attention.attn.v_proj.weight", "attn_v.weight"),
            Map.entry("attention.post.weight", "attn_out.weight"),
            Map.entry("attention.post_norm.weight", "ln2.weight"),
            Map.entry("attention.attn.relative_position_embedding.pos_proj.weight", "linear_pos.weight"),
            Map.entry("attention.attn.per_dim_scale", "per_dim_scale"),
            // The converter's names for the two light-conv norms look swapped; they are what it writes.
            Map.entry("lconv1d.pre_layer_norm.weight", "conv_norm.weight"),
            Map.entry("lconv1d.linear_start.weight", "conv_pw1.weight"),
            Map.entry("lconv1d.depthwise_conv1d.weight", "conv_dw.weight"),
            Map.entry("lconv1d.conv_norm.weight", "norm_conv.weight"),
            Map.entry("lconv1d.linear_end.weight", "conv_pw2.weight"),
            Map.entry("norm.weight", "layer_pre_norm.weight"));
    private static final Map<String, String> EMBEDDER_NAMES = Map.of(
            "model.embed_audio.embedding.weight", "mm.a.embedding.weight",
            "model.embed_audio.hard_embedding_norm.weight", "mm.a.hard_emb_norm.weight",
            "model.embed_audio.soft_embedding_norm.weight", "mm.a.soft_emb_norm.weight",
            "model.embed_audio.embedding_projection.weight", "mm.a.input_projection.weight");
    /** The first tensor the tower needs: a file without it has no audio tower at all. */
    static final String FIRST_TENSOR = "a.conv1d.0.weight";

    private final GGUFFile file;

    GgufAudioWeights(GGUFFile file) {
        if (file.tensorOrNull(FIRST_TENSOR) == null) {
            throw new IllegalArgumentException(file.path() + " has no Gemma 3n audio tower (no tensor " + FIRST_TENSOR
                    + "); give the audio weights as a safetensors checkpoint");
        }
        this.file = file;
    }

    /** The GGUF name of an HF audio tensor name. */
    static String ggufName(String hfName) {
        String embedder = EMBEDDER_NAMES.get(hfName);
        if (embedder != null) {
            return embedder;
        }
        if (hfName.startsWith(TOWER)) {
            String rest = hfName.substring(TOWER.length());
            if (rest.equals("subsample_conv_projection.input_proj_linear.weight")) {
                return "a.pre_encode.out.weight";
            }
            Matcher m = SSCP.matcher(rest);
            if (m.matches()) {
                return "a.conv1d." + m.group(1) + (m.group(2).equals("norm") ? ".norm" : "") + ".weight";
            }
            m = BLOCK.matcher(rest);
            if (m.matches() && BLOCK_NAMES.containsKey(m.group(2))) {
                return "a.blk." + m.group(1) + "." + BLOCK_NAMES.get(m.group(2));
            }
        }
        throw new IllegalArgumentException("no GGUF name for audio tensor " + hfName);
    }

    @Override
    public Stored tensor(String hfName, long... shape) {
        String name = ggufName(hfName);
        TensorInfo t = file.tensorOrNull(name);
        if (t == null && !name.endsWith(".weight")) {
            t = file.tensorOrNull(name + ".weight");
        }
        if (t == null) {
            throw new IllegalArgumentException(file.path() + ": missing audio tensor " + name + " (HF " + hfName + ")");
        }
        long[] hfShape = new long[t.ne().length];
        for (int i = 0; i < hfShape.length; i++) {
            hfShape[i] = t.ne()[hfShape.length - 1 - i];
        }
        if (!AudioWeights.sameShape(hfShape, shape)) {
            throw new IllegalArgumentException(file.path() + ": audio tensor " + t.name() + " has shape " + t.shape()
                    + " (ne), expected HF shape " + Arrays.toString(shape));
        }
        return new Stored(t.name(), t.type(), t.data());
    }
}
