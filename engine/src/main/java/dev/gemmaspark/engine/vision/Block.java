package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.kernel.ThreadPool;

/** One block of a MobileNetV5 stage: a map in, a map out (the input is not changed). */
interface Block {
    /**
     * The block's output, a map from {@code maps}; the maps it makes on the way go back to {@code maps}, the input
     * stays the caller's.
     */
    FeatureMap forward(ThreadPool pool, MapArena maps, FeatureMap x);

    /** Channels out. */
    int channels();

    /** Multiply-adds of convolutions, products and attention for an input of {@code height x width} pixels. */
    long multiplyAdds(int height, int width);

    /** Output side for an input side {@code n} (halved by a stride-2 block). */
    int outputSide(int n);

    /** Parameters, for {@code info}. */
    long parameters();

    VisionConfig.BlockKind kind();
}
