package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.vision.ImageDecoder;
import dev.gemmaspark.engine.vision.ImagePreprocessor;
import dev.gemmaspark.engine.vision.RgbImage;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Rows of Spark's own {@code image} data source ({@link ImageSchema}): a struct of {@code origin, height, width,
 * nChannels, mode, data} whose data is row-major 8-bit BGR, BGRA or grey (ImageSchema.decode writes the bytes in
 * OpenCV's order). They become the RGB the engine's {@link ImageDecoder} gives for the same pixels: B and R swapped,
 * alpha dropped and grey copied to R, G and B, as stb_image gives llama.cpp 3 channels (tools/mtmd/mtmd-helper.cpp).
 */
public final class SparkImages {
    private SparkImages() {}

    /** Whether {@code type} is the struct of Spark's image source: its fields by name and type, nullability aside. */
    public static boolean isImageStruct(DataType type) {
        if (!(type instanceof StructType struct)) {
            return false;
        }
        StructField[] expected = ImageSchema.columnSchema().fields();
        StructField[] actual = struct.fields();
        if (actual.length != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (!actual[i].name().equalsIgnoreCase(expected[i].name())
                    || !actual[i].dataType().equals(expected[i].dataType())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The RGB image of one struct, letterboxed to {@code size x size} as the engine's {@link ImagePreprocessor} does
     * (from the struct's rows, without a full-size copy); a null field, an image Spark's source could not decode ({@code
     * ImageSchema.invalidImageRow}: -1 for the sizes), no pixels, an unknown channel count or mode, or data of the
     * wrong length throws {@link IllegalArgumentException} saying so, with the image's origin when it has one.
     */
    static RgbImage letterboxed(String origin, Integer height, Integer width, Integer nChannels, Integer mode, byte[] data,
            int size) {
        String where = origin == null || origin.isEmpty() ? "" : origin + ": ";
        if (height == null || width == null || nChannels == null || mode == null || data == null) {
            throw new IllegalArgumentException(where + "the image struct has a null field (height " + height
                    + ", width " + width + ", nChannels " + nChannels + ", mode " + mode + ", data "
                    + (data == null ? "null" : data.length + " bytes") + ")");
        }
        if (height == -1 && width == -1 && nChannels == -1) {
            throw new IllegalArgumentException(where + "Spark's image data source could not decode this file "
                    + "(option dropInvalid=true leaves such rows out)");
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException(where + "the image has no pixels (" + width + " x " + height + ")");
        }
        long pixels = (long) width * height;
        if (pixels > ImageDecoder.MAX_PIXELS) {
            throw new IllegalArgumentException(where + "the image is too large (" + width + " x " + height
                    + " pixels, at most " + ImageDecoder.MAX_PIXELS + ")");
        }
        if (nChannels != 1 && nChannels != 3 && nChannels != 4) {
            throw new IllegalArgumentException(where + "nChannels is " + nChannels + "; images of 1 (grey), 3 (BGR) "
                    + "or 4 (BGRA) channels are taken");
        }
        String type = "CV_8UC" + nChannels;
        int expectedMode = (Integer) ImageSchema.javaOcvTypes().get(type);
        if (mode != expectedMode) {
            throw new IllegalArgumentException(where + "mode " + mode + " is not " + type + " (" + expectedMode
                    + "), the 8-bit type of " + nChannels + " channels; only 8-bit images are taken");
        }
        if (data.length != pixels * nChannels) {
            throw new IllegalArgumentException(where + "data has " + data.length + " bytes, a " + width + " x "
                    + height + " image of " + nChannels + " channel" + (nChannels == 1 ? "" : "s") + " has "
                    + pixels * nChannels);
        }
        int channels = nChannels;
        int stride = width * channels;
        return ImagePreprocessor.letterbox(width, height, (y, row) -> {
            for (int x = 0, in = y * stride; x < width; x++, in += channels) {
                if (channels == 1) {
                    row[3 * x] = data[in];
                    row[3 * x + 1] = data[in];
                    row[3 * x + 2] = data[in];
                } else {
                    row[3 * x] = data[in + 2];
                    row[3 * x + 1] = data[in + 1];
                    row[3 * x + 2] = data[in];
                }
            }
        }, size);
    }
}
