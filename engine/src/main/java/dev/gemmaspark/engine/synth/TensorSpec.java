package dev.gemmaspark.engine.synth;

/**
 * One tensor of a synthesized model: its GGUF name, ggml shape ({@code ne[0]} contiguous), the layer it belongs
 * to (-1 for global tensors) and how its values are drawn.
 */
record TensorSpec(String name, long[] ne, int layer, Draw draw) {

    long rowLength() {
        return ne[0];
    }

    long rows() {
        long r = 1;
        for (int i = 1; i < ne.length; i++) {
            r *= ne[i];
        }
        return r;
    }

    long elements() {
        return rowLength() * rows();
    }
}
