package dev.gemmaspark.engine.vision;

/**
 * Activations of a batch of images, channels-last: element (image, y, x, c) at {@code ((image * height + y) *
 * width + x) * channels + c}. Each pixel's channels are one row of a matrix product.
 */
record FeatureMap(float[] data, int images, int height, int width, int channels) {
    FeatureMap {
        if ((long) images * height * width * channels > data.length) {
            throw new IllegalArgumentException("feature map " + images + " x " + height + " x " + width + " x "
                    + channels + " does not fit " + data.length + " floats");
        }
    }

    static FeatureMap allocate(int images, int height, int width, int channels) {
        return new FeatureMap(new float[Math.multiplyExact(Math.multiplyExact(images * height, width), channels)],
                images, height, width, channels);
    }

    /** Pixels of all images: the rows of a 1x1 convolution. */
    int pixels() {
        return images * height * width;
    }

    int size() {
        return pixels() * channels;
    }

    boolean sameShape(FeatureMap o) {
        return images == o.images && height == o.height && width == o.width && channels == o.channels;
    }
}
