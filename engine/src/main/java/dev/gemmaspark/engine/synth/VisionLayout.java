package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of Gemma 3n's vision projector (timm {@code mobilenetv5_300m_enc} as llama.cpp runs it, gemma3n-vision
 * spec 7.1 and Appendix A) under the names llama.cpp's converter writes, with random weights as the golden vision
 * projectors draw them: conv and projection weights N(0, 1/fan_in), norm weights 1 + N(0, 0.1^2), layer-scale
 * gammas N(0.5, 0.1^2), the stem bias N(0, 0.1^2). Activations stay finite through all 84 blocks with these.
 */
final class VisionLayout {
    /** The real model's input side. */
    static final int IMAGE_SIZE = 768;
    static final int STEM = 64;
    static final int OUTPUT = 2048;

    /** A tensor with its type in a file written as F16 (llama.cpp's converter) or F32. */
    record Tensor(TensorSpec spec, boolean alwaysF32) {
        GGMLType type(GGMLType quant) {
            return alwaysF32 ? GGMLType.F32 : quant;
        }
    }

    private final List<Tensor> tensors = new ArrayList<>();

    private VisionLayout() {
    }

    static List<Tensor> tensors(int textWidth) {
        VisionLayout t = new VisionLayout();
        t.conv("v.conv_stem.conv.weight", 3, 3, STEM, true);
        t.add("v.conv_stem.conv.bias", 0, 0.1, true, 1, 1, STEM, 1);
        t.norm("v.conv_stem.bn.weight", STEM);
        // stage 0: edge residual blocks
        t.edgeResidual("v.blk.0.0.", STEM, 256, 128);
        t.edgeResidual("v.blk.0.1.", 128, 512, 128);
        t.edgeResidual("v.blk.0.2.", 128, 512, 128);
        // stage 1
        t.invertedResidual("v.blk.1.0.", 128, 3, 768, 5, 256);
        for (int b = 1; b <= 4; b++) {
            t.invertedResidual("v.blk.1." + b + ".", 256, b % 2 == 1 ? 5 : 3, 1024, 0, 256);
        }
        // stage 2
        t.invertedResidual("v.blk.2.0.", 256, 5, 1536, 5, 640);
        for (int b = 1; b <= 7; b++) {
            t.invertedResidual("v.blk.2." + b + ".", 640, 5, 2560, 0, 640);
        }
        t.invertedResidual("v.blk.2.8.", 640, 0, 640, 0, 640);
        for (int b = 9; b <= 36; b += 2) {
            t.attention("v.blk.2." + b + ".", 640, 12, 64, true);
            t.invertedResidual("v.blk.2." + (b + 1) + ".", 640, 0, 1280, 0, 640);
        }
        // stage 3
        t.invertedResidual("v.blk.3.0.", 640, 5, 3840, 5, 1280);
        for (int b = 1; b <= 38; b += 2) {
            t.attention("v.blk.3." + b + ".", 1280, 16, 96, false);
            t.invertedResidual("v.blk.3." + (b + 1) + ".", 1280, 0, 2560, 0, 1280);
        }
        // multi-scale fusion adapter and projector
        t.conv("v.msfa.ffn.pw_exp.conv.weight", 1, 640 + 1280, 3840, false);
        t.norm("v.msfa.ffn.pw_exp.bn.weight", 3840);
        t.conv("v.msfa.ffn.pw_proj.conv.weight", 1, 3840, OUTPUT, false);
        t.norm("v.msfa.ffn.pw_proj.bn.weight", OUTPUT);
        t.norm("v.msfa.norm.weight", OUTPUT);
        t.norm("mm.soft_emb_norm.weight", OUTPUT);
        t.add("mm.input_projection.weight", 0, 1 / Math.sqrt(OUTPUT), false, OUTPUT, textWidth);
        return List.copyOf(t.tensors);
    }

    private void edgeResidual(String p, int in, int mid, int out) {
        conv(p + "conv_exp.weight", 3, in, mid, false);
        norm(p + "bn1.weight", mid);
        conv(p + "conv_pwl.weight", 1, mid, out, false);
        norm(p + "bn2.weight", out);
    }

    /** {@code start}, {@code middle}: depthwise kernel sizes, 0 for none. */
    private void invertedResidual(String p, int in, int start, int mid, int middle, int out) {
        if (start > 0) {
            depthwise(p + "dw_start.conv.weight", start, in);
            norm(p + "dw_start.bn.weight", in);
        }
        conv(p + "pw_exp.conv.weight", 1, in, mid, false);
        norm(p + "pw_exp.bn.weight", mid);
        if (middle > 0) {
            depthwise(p + "dw_mid.conv.weight", middle, mid);
            norm(p + "dw_mid.bn.weight", mid);
        }
        conv(p + "pw_proj.conv.weight", 1, mid, out, false);
        norm(p + "pw_proj.bn.weight", out);
        gamma(p, out);
    }

    private void attention(String p, int c, int heads, int headDim, boolean downConv) {
        norm(p + "norm.weight", c);
        conv(p + "attn.query.proj.weight", 1, c, heads * headDim, false);
        conv(p + "attn.key.proj.weight", 1, c, headDim, false);
        conv(p + "attn.value.proj.weight", 1, c, headDim, false);
        conv(p + "attn.output.proj.weight", 1, heads * headDim, c, false);
        if (downConv) {
            depthwise(p + "attn.key.down_conv.weight", 3, c);
            norm(p + "attn.key.norm.weight", c);
            depthwise(p + "attn.value.down_conv.weight", 3, c);
            norm(p + "attn.value.norm.weight", c);
        }
        gamma(p, c);
    }

    private void conv(String name, int k, int in, int out, boolean alwaysF32) {
        add(name, 0, 1 / Math.sqrt((double) k * k * in), alwaysF32, k, k, in, out);
    }

    private void depthwise(String name, int k, int channels) {
        add(name, 0, 1.0 / k, false, k, k, 1, channels);
    }

    private void norm(String name, int n) {
        add(name, 1, 0.1, true, n);
    }

    private void gamma(String prefix, int n) {
        add(prefix + "layer_scale.gamma", 0.5, 0.1, true, 1, 1, n, 1);
    }

    private void add(String name, double mean, double std, boolean alwaysF32, long... ne) {
        // layer 0, not -1: the progress report then prints no line per tensor (there are 750)
        tensors.add(new Tensor(new TensorSpec(name, ne, 0, new Draw.Normal(mean, std, Long.MAX_VALUE)), alwaysF32));
    }
}
