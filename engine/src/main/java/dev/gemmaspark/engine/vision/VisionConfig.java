package dev.gemmaspark.engine.vision;

import java.util.List;

/**
 * What an mmproj file says about its vision tower, from its keys and tensor shapes (llama.cpp reads nothing else:
 * tools/mtmd/clip.cpp).
 *
 * @param imageSize   S, the side of the letterboxed input ({@code clip.vision.image_size})
 * @param width       C_v, the tower's output channels and the projector's input width
 * @param textWidth   D, the projector's output width (the text model's n_embd)
 * @param mean        per-channel mean subtracted from the [0, 1] pixels
 * @param std         per-channel divisor
 * @param stages      the blocks of each of the four stages, in order
 */
public record VisionConfig(int imageSize, int width, int textWidth, float[] mean, float[] std,
                           List<List<BlockKind>> stages) {
    /** Soft tokens per image: the fusion adapter's 16 x 16 output map. */
    public static final int TOKENS = 256;
    /** The side of the fusion adapter's output map. */
    public static final int OUTPUT_SIDE = 16;

    /** The three block types of MobileNetV5, as the loader tells them apart by their tensors. */
    public enum BlockKind {
        EDGE_RESIDUAL("edge residual"), INVERTED_RESIDUAL("universal inverted residual"),
        ATTENTION("multi-query attention");

        private final String description;

        BlockKind(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    public int blockCount() {
        return stages.stream().mapToInt(List::size).sum();
    }
}
