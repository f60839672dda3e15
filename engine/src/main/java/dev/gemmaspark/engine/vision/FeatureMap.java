package dev.gemmaspark.engine.vision;

/**
 * Activations of a batch of images, channels-last: element (image, y, x, c) at {@code ((image * height + y) *
 * width + x) * channels + c}. Each pixel's channels are one row of a matrix product. The array may be longer than
 * the map: it comes from a {@link MapArena}.
 */
record FeatureMap(float[] data, int images, int height, int width, int channels) {
    FeatureMap {
        if ((long) images * height * width * channels > data.length) {
            throw new IllegalArgumentException("feature map " + images + " x " + height + " x " + width + " x "
                    + channels + " does not fit " + data.length + " floats");
        }
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
