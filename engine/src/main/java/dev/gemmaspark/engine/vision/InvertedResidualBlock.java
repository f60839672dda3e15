package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.kernel.ThreadPool;

/**
 * Universal inverted residual (gemma3n-vision spec 4.3): optional depthwise {@code dw_start} (stride 1, norm, no
 * activation) → 1x1 expansion → norm → GELU → optional depthwise {@code dw_mid} (carries the stage's stride) →
 * norm → GELU → 1x1 projection → norm → layer scale, plus the input when the shape is kept.
 */
final class InvertedResidualBlock implements Block {
    private final VisionTensors.Depthwise dwStart;
    private final float[] dwStartNorm;
    private final Linear expand;
    private final float[] expandNorm;
    private final VisionTensors.Depthwise dwMid;
    private final float[] dwMidNorm;
    private final Linear project;
    private final float[] projectNorm;
    private final float[] gamma;
    private final int stride;

    InvertedResidualBlock(VisionTensors t, String prefix, int in, int stride) {
        this.stride = stride;
        boolean start = t.has(prefix + "dw_start.conv.weight");
        dwStart = start ? t.depthwise(prefix + "dw_start.conv.weight", in) : null;
        dwStartNorm = start ? t.vector(prefix + "dw_start.bn.weight", in) : null;
        int mid = (int) t.dim(prefix + "pw_exp.conv.weight", 3);
        expand = t.pointwise(prefix + "pw_exp.conv.weight", in, mid);
        expandNorm = t.vector(prefix + "pw_exp.bn.weight", mid);
        boolean middle = t.has(prefix + "dw_mid.conv.weight");
        dwMid = middle ? t.depthwise(prefix + "dw_mid.conv.weight", mid) : null;
        dwMidNorm = middle ? t.vector(prefix + "dw_mid.bn.weight", mid) : null;
        int out = (int) t.dim(prefix + "pw_proj.conv.weight", 3);
        project = t.pointwise(prefix + "pw_proj.conv.weight", mid, out);
        projectNorm = t.vector(prefix + "pw_proj.bn.weight", out);
        gamma = t.has(prefix + "layer_scale.gamma") ? t.vector(prefix + "layer_scale.gamma", out) : null;
    }

    @Override
    public FeatureMap forward(ThreadPool pool, MapArena maps, FeatureMap x) {
        FeatureMap y = x;
        if (dwStart != null) {
            y = Ops.normalize(pool, Ops.depthwise(pool, maps, y, dwStart, 1), dwStartNorm, false);
        }
        y = maps.replace(y, Ops.normalize(pool, Ops.pointwise(pool, maps, y, expand), expandNorm, true), x);
        if (dwMid != null) {
            y = maps.replace(y, Ops.normalize(pool, Ops.depthwise(pool, maps, y, dwMid, stride), dwMidNorm, true), x);
        }
        y = maps.replace(y, Ops.normalize(pool, Ops.pointwise(pool, maps, y, project), projectNorm, false), x);
        Ops.scaleAndAdd(pool, y, gamma, y.sameShape(x) ? x : null);
        return y;
    }

    @Override
    public long multiplyAdds(int height, int width) {
        long in = (long) height * width;
        long out = (long) outputSide(height) * outputSide(width);
        long n = in * expand.rows() * expand.cols() + out * project.rows() * project.cols();
        if (dwStart != null) {
            n += in * dwStart.taps().length;
        }
        if (dwMid != null) {
            n += out * dwMid.taps().length;
        }
        return n;
    }

    @Override
    public int outputSide(int n) {
        return dwMid == null || stride == 1 ? n : Ops.sameOut(n, stride);
    }

    @Override
    public int channels() {
        return project.rows();
    }

    @Override
    public long parameters() {
        long n = (long) expand.rows() * expand.cols() + expandNorm.length + (long) project.rows() * project.cols()
                + projectNorm.length + (gamma == null ? 0 : gamma.length);
        if (dwStart != null) {
            n += dwStart.taps().length + dwStartNorm.length;
        }
        if (dwMid != null) {
            n += dwMid.taps().length + dwMidNorm.length;
        }
        return n;
    }

    @Override
    public VisionConfig.BlockKind kind() {
        return VisionConfig.BlockKind.INVERTED_RESIDUAL;
    }

    @Override
    public String toString() {
        return "inverted residual" + (dwStart != null ? " dw_start " + dwStart.kernel() : "")
                + (dwMid != null ? " dw_mid " + dwMid.kernel() + (stride == 2 ? "/2" : "") : "") + ", "
                + expand.cols() + " -> " + expand.rows() + " -> " + project.rows();
    }
}
