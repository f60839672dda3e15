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

    /** Row {@code y} of an image as 8-bit RGB: {@code 3 x width} bytes into {@code row}. */
    @FunctionalInterface
    public interface Rows {
        void read(int y, byte[] row);
    }

    /** {@code image} letterboxed to {@code size x size}; an image already that size is returned as it is. */
    public static RgbImage letterbox(RgbImage image, int size) {
        if (image.width() == size && image.height() == size) {
            return image;
        }
        int stride = image.width() * 3;
        return letterbox(image.width(), image.height(),
                (y, row) -> System.arraycopy(image.rgb(), y * stride, row, 0, stride), size);
    }

    /**
     * A {@code w x h} image read a row at a time, letterboxed to {@code size x size}: besides one input row it holds
     * the rows resized horizontally ({@link #narrowBytes} of them) and the canvas, never a copy of the whole image,
     * so a decoder can feed it from its own raster.
     */
    public static RgbImage letterbox(int w, int h, Rows rows, int size) {
        Letterbox box = geometry(w, h, size);
        int nw = box.width();
        Filter horizontal = nw != w ? Filter.bilinear(w, nw) : null;
        byte[] row = new byte[w * 3];
        byte[] narrow = new byte[Math.toIntExact(narrowBytes(w, h, size))];
        for (int y = 0, at = 0; y < h; y++) {
            rows.read(y, row);
            if (horizontal == null) {
                System.arraycopy(row, 0, narrow, at, row.length);
                at += row.length;
                continue;
            }
            for (int x = 0; x < nw; x++) {
                for (int c = 0; c < 3; c++) {
                    narrow[at++] = (byte) horizontal.apply(row, c, 3, x);
                }
            }
        }
        RgbImage resized = new RgbImage(nw, h, narrow);
        if (box.height() != h) {
            resized = resampleVertical(resized, box.height());
        }
        byte[] canvas = new byte[size * size * 3];
        for (int y = 0; y < box.height(); y++) {
            System.arraycopy(resized.rgb(), y * nw * 3, canvas, ((box.y() + y) * size + box.x()) * 3, nw * 3);
        }
        return new RgbImage(size, size, canvas);
    }

    /** Bytes of the horizontally resized rows that {@link #letterbox(int, int, Rows, int)} holds for a w x h image. */
    static long narrowBytes(int w, int h, int size) {
        return 3L * geometry(w, h, size).width() * h;
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
