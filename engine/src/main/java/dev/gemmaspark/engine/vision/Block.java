package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.kernel.ThreadPool;

/** One block of a MobileNetV5 stage: a map in, a map out (the input is not changed). */
interface Block {
    FeatureMap forward(ThreadPool pool, FeatureMap x);

    /** Channels out. */
    int channels();

    /** Parameters, for {@code info}. */
    long parameters();

    VisionConfig.BlockKind kind();
}
