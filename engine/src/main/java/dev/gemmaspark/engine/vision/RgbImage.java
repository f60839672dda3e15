package dev.gemmaspark.engine.vision;

/** An 8-bit RGB image, row-major, three bytes (R, G, B) per pixel: what stb_image gives llama.cpp. */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image of " + width + " x " + height + " pixels has no pixels");
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(width + " x " + height + " RGB needs " + (long) width * height * 3
                    + " bytes, got " + rgb.length);
        }
    }

    /** Sample {@code c} (0 R, 1 G, 2 B) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
