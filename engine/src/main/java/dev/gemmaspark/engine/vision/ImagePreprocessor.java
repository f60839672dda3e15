package dev.gemmaspark.engine.vision;

/**
 * llama.cpp's fixed-size preprocessing for {@code gemma3nv} (tools/mtmd/mtmd-image.cpp; gemma3n-vision spec 2.2-2.3):
 * the image is scaled to fit S x S keeping its aspect ratio, with Pillow's fixed-point bilinear (triangle) filter,
 * and pasted centred on a black S x S canvas. Hugging Face instead stretches to S x S; the two agree only for square
 * images (up to the resampler's rounding).
 */
public final class ImagePreprocessor {
    /** Fixed-point bits of the filter weights (Pillow's PRECISION_BITS = 32 - 8 - 2). */
    private static final int PRECISION_BITS = 22;

    /** Where the resized image lies on the canvas. */
    public record Letterbox(int width, int height, int x, int y) {
    }

    private ImagePreprocessor() {
    }

    /**
     * The resized size and offset for an image of {@code w x h} on an {@code size x size} canvas, in llama.cpp's f32
     * arithmetic: the product {@code w * scale} can land just above an integer, and {@code ceilf} then adds a pixel
     * (380 x 285 at S = 256 gives 193 rows where exact arithmetic gives 192).
     */
    public static Letterbox geometry(int w, int h, int size) {
        float scale = Math.min((float) size / (float) w, (float) size / (float) h);
        int nw = Math.min((int) Math.ceil((float) w * scale), size);
        int nh = Math.min((int) Math.ceil((float) h * scale), size);
        return new Letterbox(nw, nh, (size - nw) / 2, (size - nh) / 2);
    }

    /** {@code image} letterboxed to {@code size x size}; an image already that size is returned as it is. */
    public static RgbImage letterbox(RgbImage image, int size) {
        if (image.width() == size && image.height() == size) {
            return image;
        }
        Letterbox box = geometry(image.width(), image.height(), size);
        RgbImage resized = image;
        if (box.width() != image.width()) {
            resized = resampleHorizontal(resized, box.width());
        }
        if (box.height() != image.height()) {
            resized = resampleVertical(resized, box.height());
        }
        byte[] canvas = new byte[size * size * 3];
        for (int y = 0; y < box.height(); y++) {
            System.arraycopy(resized.rgb(), y * box.width() * 3, canvas, ((box.y() + y) * size + box.x()) * 3,
                    box.width() * 3);
        }
        return new RgbImage(size, size, canvas);
    }

    /** Pillow's precomputed filter of one axis: for output o, taps {@code weights[o][i]} from input {@code first[o] + i}. */
    private record Filter(int[] first, int[][] weights) {
        static Filter bilinear(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale;
            double ss = 1.0 / filterScale;
            int[] first = new int[out];
            int[][] weights = new int[out][];
            double[] w = new double[2 * (int) Math.ceil(support) + 1];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), in);
                int n = xmax - xmin;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    double d = Math.abs((i + xmin - center + 0.5) * ss);
                    w[i] = d < 1.0 ? 1.0 - d : 0.0;
                    sum += w[i];
                }
                int[] k = new int[n];
                for (int i = 0; i < n; i++) {
                    double v = sum != 0 ? w[i] / sum : w[i];
                    k[i] = (int) (v * (1 << PRECISION_BITS) + 0.5);
                }
                first[o] = xmin;
                weights[o] = k;
            }
            return new Filter(first, weights);
        }

        int apply(byte[] src, int start, int stride, int o) {
            int acc = 1 << (PRECISION_BITS - 1);
            int[] k = weights[o];
            int at = start + first[o] * stride;
            for (int i = 0; i < k.length; i++, at += stride) {
                acc += (src[at] & 0xFF) * k[i];
            }
            return Math.clamp(acc >> PRECISION_BITS, 0, 255);
        }
    }

    private static RgbImage resampleHorizontal(RgbImage image, int width) {
        Filter f = Filter.bilinear(image.width(), width);
        byte[] out = new byte[width * image.height() * 3];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    out[(y * width + x) * 3 + c] = (byte) f.apply(image.rgb(), y * image.width() * 3 + c, 3, x);
                }
            }
        }
        return new RgbImage(width, image.height(), out);
    }

    private static RgbImage resampleVertical(RgbImage image, int height) {
        Filter f = Filter.bilinear(image.height(), height);
        int row = image.width() * 3;
        byte[] out = new byte[row * height];
        for (int y = 0; y < height; y++) {
            for (int i = 0; i < row; i++) {
                out[y * row + i] = (byte) f.apply(image.rgb(), i, row, y);
            }
        }
        return new RgbImage(image.width(), height, out);
    }
}
