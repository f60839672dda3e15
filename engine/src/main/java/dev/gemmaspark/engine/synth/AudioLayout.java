package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEncoder;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of Gemma 3n's audio tower and audio embedder (gemma3n-multimodal spec 3.9) in HF checkpoint order,
 * under the GGUF names the engine reads ({@link AudioEncoder#ggufTensorName}), with the golden audio reference's
 * "sharp" weights ({@code golden/audio/README.md}): linear and conv weights std 1/sqrt(fan_in), q, k and position
 * projections 5/sqrt(D) so that the soft-cap and the position term matter, norms 1 +- 0.1, per_dim_scale 0.5 +- 1,
 * the audio embedding table std 1. Activations stay finite through all 12 blocks with these.
 */
final class AudioLayout {
    private static final String TOWER = AudioEncoder.TOWER_PREFIX;
    private static final String SSCP = TOWER + "subsample_conv_projection.";
    private static final String EMBEDDER = AudioEncoder.EMBEDDER_PREFIX;
    private static final int SSCP_KERNEL = 3;
    private static final double NORM_STD = 0.1;
    /** Query, key and position projections this many times 1/sqrt(D): pre-cap logits of 100-260. */
    private static final double SHARP = 5.0;

    private final List<TensorSpec> tensors = new ArrayList<>();

    private AudioLayout() {
    }

    static List<TensorSpec> tensors(AudioConfig c) {
        AudioLayout t = new AudioLayout();
        long d = c.hiddenSize();
        long c0 = c.sscpChannels0();
        long c1 = c.sscpChannels1();
        long sscpOut = c1 * subsampled(subsampled(c.melBins()));
        t.weight(SSCP + "conv_0.conv.weight", -1, c0, 1, SSCP_KERNEL, SSCP_KERNEL);
        t.norm(SSCP + "conv_0.norm.weight", -1, c0);
        t.weight(SSCP + "conv_1.conv.weight", -1, c1, c0, SSCP_KERNEL, SSCP_KERNEL);
        t.norm(SSCP + "conv_1.norm.weight", -1, c1);
        t.weight(SSCP + "input_proj_linear.weight", -1, d, sscpOut);
        for (int l = 0; l < c.numLayers(); l++) {
            String b = TOWER + "conformer." + l + ".";
            t.feedForward(b + "ffw_layer_start.", l, d);
            t.norm(b + "attention.pre_attn_norm.weight", l, d);
            t.add(b + "attention.attn.per_dim_scale", l, 0.5, 1.0, c.headDim());
            t.add(b + "attention.attn.relative_position_embedding.pos_proj.weight", l, 0, SHARP / Math.sqrt(d), d, d);
            t.add(b + "attention.attn.q_proj.weight", l, 0, SHARP / Math.sqrt(d), d, d);
            t.add(b + "attention.attn.k_proj.weight", l, 0, SHARP / Math.sqrt(d), d, d);
            t.weight(b + "attention.attn.v_proj.weight", l, d, d);
            t.weight(b + "attention.post.weight", l, d, d);
            t.norm(b + "attention.post_norm.weight", l, d);
            t.norm(b + "lconv1d.pre_layer_norm.weight", l, d);
            t.weight(b + "lconv1d.linear_start.weight", l, 2 * d, d);
            t.weight(b + "lconv1d.depthwise_conv1d.weight", l, d, 1, c.convKernel());
            t.norm(b + "lconv1d.conv_norm.weight", l, d);
            t.weight(b + "lconv1d.linear_end.weight", l, d, d);
            t.feedForward(b + "ffw_layer_end.", l, d);
            t.norm(b + "norm.weight", l, d);
        }
        t.add(EMBEDDER + "embedding.weight", -1, 0, 1.0, c.vocabSize(), d);
        t.norm(EMBEDDER + "hard_embedding_norm.weight", -1, d);
        t.norm(EMBEDDER + "soft_embedding_norm.weight", -1, d);
        t.weight(EMBEDDER + "embedding_projection.weight", -1, c.textHiddenSize(), d);
        return List.copyOf(t.tensors);
    }

    /** Width after one SSCP convolution: kernel 3, stride 2, padding 1 on each side. */
    private static long subsampled(long width) {
        return (width + 2 - SSCP_KERNEL) / 2 + 1;
    }

    private void feedForward(String prefix, int layer, long d) {
        norm(prefix + "pre_layer_norm.weight", layer, d);
        weight(prefix + "ffw_layer_1.weight", layer, 4 * d, d);
        weight(prefix + "ffw_layer_2.weight", layer, d, 4 * d);
        norm(prefix + "post_layer_norm.weight", layer, d);
    }

    /** A linear or conv weight of HF shape {@code shape}: std 1/sqrt(fan_in), fan_in all dimensions but the first. */
    private void weight(String hfName, int layer, long... shape) {
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) {
            fanIn *= shape[i];
        }
        add(hfName, layer, 0, 1.0 / Math.sqrt(fanIn), shape);
    }

    private void norm(String hfName, int layer, long n) {
        add(hfName, layer, 1, NORM_STD, n);
    }

    /** The tensor of HF shape {@code shape}, stored with its dimensions reversed as GGUF lists them. */
    private void add(String hfName, int layer, double mean, double std, long... shape) {
        long[] ne = new long[shape.length];
        for (int i = 0; i < ne.length; i++) {
            ne[i] = shape[shape.length - 1 - i];
        }
        tensors.add(new TensorSpec(AudioEncoder.ggufTensorName(hfName), ne, layer,
                new Draw.KeyedUniform(hfName, mean, std)));
    }
}
