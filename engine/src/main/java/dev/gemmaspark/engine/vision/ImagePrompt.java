package dev.gemmaspark.engine.vision;

import java.util.Arrays;

/**
 * The image span of a prompt as llama.cpp's mtmd builds it (tools/mtmd/mtmd.cpp; gemma3n-vision spec 6.1): the
 * marker {@value #MARKER} in the prompt text becomes {@code <start_of_image>}, then {@value #POSITIONS} positions
 * that take the projector's output rows as their input embeddings, then {@code <end_of_image>}; no newlines are
 * added. The image positions take the {@code <pad>} row's per-layer input, and their embeddings go in unscaled
 * (spec 6.2; the scheduler's {@code PromptEmbeddings}).
 */
public final class ImagePrompt {
    /** Where an image goes in a prompt's text. */
    public static final String MARKER = "<image>";
    public static final String START = "<start_of_image>";
    public static final String END = "<end_of_image>";
    /** Positions one image takes. */
    public static final int POSITIONS = VisionConfig.TOKENS;

    /** Tokens with the image positions inserted (holding {@code placeholder}), and each image's first position. */
    public record Expanded(int[] tokens, int[] imageStarts) {
    }

    private ImagePrompt() {
    }

    /**
     * {@code tokens} with {@value #POSITIONS} positions inserted after every {@code startId}, each followed by
     * {@code endId} when that is not negative; the i-th start token takes the i-th image.
     *
     * @throws IllegalArgumentException when the start tokens are not exactly {@code images}
     */
    public static Expanded expand(int[] tokens, int startId, int endId, int images, int placeholder) {
        int starts = (int) Arrays.stream(tokens).filter(t -> t == startId).count();
        if (starts != images) {
            throw new IllegalArgumentException("the prompt has " + starts + " image position" + (starts == 1 ? "" : "s")
                    + " (" + MARKER + " or " + START + ") but " + images + (images == 1 ? " image was" : " images were")
                    + " given");
        }
        int span = POSITIONS + (endId >= 0 ? 1 : 0);
        int[] out = new int[tokens.length + images * span];
        int[] firsts = new int[images];
        int n = 0;
        int image = 0;
        for (int t : tokens) {
            out[n++] = t;
            if (t == startId) {
                firsts[image++] = n;
                Arrays.fill(out, n, n + POSITIONS, placeholder);
                n += POSITIONS;
                if (endId >= 0) {
                    out[n++] = endId;
                }
            }
        }
        return new Expanded(out, firsts);
    }
}
