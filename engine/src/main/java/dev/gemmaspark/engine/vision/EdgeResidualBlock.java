package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.kernel.ThreadPool;

/**
 * Edge residual (gemma3n-vision spec 4.2): full k x k expansion convolution (stride 2 with "same" padding as a
 * stage's first block) → RMS norm → GELU → 1x1 projection → RMS norm, plus the input when the shape is kept.
 */
final class EdgeResidualBlock implements Block {
    private final VisionTensors.Conv expand;
    private final float[] norm1;
    private final Linear project;
    private final float[] norm2;
    private final int stride;
    private final int in;

    EdgeResidualBlock(VisionTensors t, String prefix, int in, int stride) {
        this.in = in;
        this.stride = stride;
        expand = t.conv(prefix + "conv_exp.weight", in);
        norm1 = t.vector(prefix + "bn1.weight", expand.out());
        int out = (int) t.dim(prefix + "conv_pwl.weight", 3);
        project = t.pointwise(prefix + "conv_pwl.weight", expand.out(), out);
        norm2 = t.vector(prefix + "bn2.weight", out);
    }

    @Override
    public FeatureMap forward(ThreadPool pool, MapArena maps, FeatureMap x) {
        FeatureMap y = Ops.normalize(pool, Ops.conv(pool, maps, x, expand, stride), norm1, true);
        FeatureMap z = Ops.normalize(pool, Ops.pointwise(pool, maps, y, project), norm2, false);
        maps.release(y);
        if (z.sameShape(x)) {
            Ops.scaleAndAdd(pool, z, null, x);
        }
        return z;
    }

    @Override
    public long multiplyAdds(int height, int width) {
        long pixels = (long) outputSide(height) * outputSide(width);
        return pixels * expand.out() * expand.matrix().cols() + pixels * project.rows() * project.cols();
    }

    @Override
    public int outputSide(int n) {
        return stride == 1 ? n : Ops.sameOut(n, stride);
    }

    @Override
    public int channels() {
        return project.rows();
    }

    @Override
    public long parameters() {
        return (long) expand.matrix().rows() * expand.matrix().cols() + norm1.length
                + (long) project.rows() * project.cols() + norm2.length;
    }

    @Override
    public VisionConfig.BlockKind kind() {
        return VisionConfig.BlockKind.EDGE_RESIDUAL;
    }

    @Override
    public String toString() {
        return "edge residual " + expand.kernel() + "x" + expand.kernel() + (stride == 2 ? "/2" : "") + ", " + in
                + " -> " + expand.out() + " -> " + project.rows();
    }
}
