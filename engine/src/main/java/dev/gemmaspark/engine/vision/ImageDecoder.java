package dev.gemmaspark.engine.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.MultiPixelPackedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG, BMP and GIF files (and any other format an ImageIO plugin on the class path reads) to 8-bit
 * RGB as stb_image does for llama.cpp when asked for 3 channels (tools/mtmd/mtmd-helper.cpp; gemma3n-vision spec
 * 2.1): alpha is dropped, not composited; grey is copied to R, G and B; palette images are expanded; 16-bit samples
 * keep their high byte. Samples are read from the raster as stored: no gamma, ICC or orientation handling.
 *
 * <p>JPEG goes through the JDK's decoder, whose IDCT and chroma up-sampling differ from stb_image's, so JPEG pixels
 * can differ from llama.cpp's by a few levels. WebP needs a WebP ImageIO plugin on the class path (the JDK has none).
 */
public final class ImageDecoder {
    /** Larger images are refused before their pixels are decoded (stb_image's own limit is 2^24 per side). */
    public static final long MAX_PIXELS = 1L << 28;

    private ImageDecoder() {
    }

    /** The image of a file, as stored (see {@link #decode(byte[])}). */
    public static RgbImage decode(Path file) throws IOException {
        try {
            return decode(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes the bytes of an image file, as stored; undecodable or unsupported data, and an image whose decoding
     * would take more heap than {@link ImageMemory} allows, throw {@link IllegalArgumentException}.
     */
    public static RgbImage decode(byte[] bytes) {
        return decode(bytes, 0, ImageMemory.HEAP);
    }

    /**
     * Decodes the bytes of an image file and letterboxes it to {@code size x size} as {@link ImagePreprocessor}
     * does, from the decoder's raster a row at a time: the same pixels as {@code letterbox(decode(bytes), size)}
     * without the full-size RGB copy, and a batch of rows holds its images at the size the tower takes.
     */
    public static RgbImage decode(byte[] bytes, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("letterbox size " + size);
        }
        return decode(bytes, size, ImageMemory.HEAP);
    }

    /** As stored when {@code size} is 0, else letterboxed; the decode holds a lease on {@code memory} while it runs. */
    static RgbImage decode(byte[] bytes, int size, ImageMemory memory) {
        if (bytes.length == 0) {
            throw new Refused("empty image data (0 bytes)");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Refused(unknownFormat(bytes));
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                String format = reader.getFormatName().toUpperCase(Locale.ROOT);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                long pixels = (long) w * h;
                if (pixels == 0) {
                    throw new Refused("the " + format + " image has no pixels (" + w + " x " + h + ")");
                }
                if (pixels > MAX_PIXELS) {
                    throw new Refused("the " + format + " image is too large (" + w + " x " + h + " pixels, at most "
                            + MAX_PIXELS + ")");
                }
                // the raster, a row converted (3 bytes and up to 4 ints a pixel), and the RGB result or the letterbox
                long held = rasterBytes(reader, w, h) + 19L * w + (size == 0 ? 3 * pixels
                        : ImagePreprocessor.narrowBytes(w, h, size) + 3L * size * size);
                ImageMemory.Lease lease;
                try {
                    lease = memory.reserve(held, () -> "the " + format + " image of " + w + " x " + h + " pixels");
                } catch (IllegalArgumentException e) {
                    throw new Refused(e.getMessage());
                }
                try (lease) {
                    RgbRows rows = new RgbRows(reader.read(0));
                    return size == 0 ? rows.all() : ImagePreprocessor.letterbox(w, h, rows, size);
                }
            } finally {
                reader.dispose();
            }
        } catch (Refused | CancellationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // corrupt data surfaces as IIOException or as whatever runtime exception the plugin's parser hits
            throw new IllegalArgumentException("cannot decode the image: " + describe(e), e);
        }
    }

    /**
     * Bytes of the raster the reader will allocate for a w x h image: its first image type's bits per pixel (a
     * packed sample or the data elements of one pixel), a whole row of data elements at a time. A reader that names
     * no type is taken at 8 bytes a pixel, the most of the formats it reads (16-bit RGBA).
     */
    private static long rasterBytes(ImageReader reader, int w, int h) throws IOException {
        ImageTypeSpecifier type = reader.getRawImageType(0);
        if (type == null) {
            Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
            type = types.hasNext() ? types.next() : null;
        }
        if (type == null) {
            return 8L * w * h;
        }
        SampleModel sm = type.getSampleModel();
        int elementBits = DataBuffer.getDataTypeSize(sm.getDataType());
        long rowBits = sm instanceof MultiPixelPackedSampleModel packed
                ? (long) packed.getPixelBitStride() * w
                : (long) elementBits * sm.getNumDataElements() * w;
        return Math.ceilDiv(rowBits, elementBits) * elementBits / 8 * h;
    }

    /** A refusal of this decoder's own, passed on as it is. */
    private static final class Refused extends IllegalArgumentException {
        Refused(String message) {
            super(message);
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String unknownFormat(byte[] b) {
        if (b.length >= 12 && new String(b, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
                && new String(b, 8, 4, StandardCharsets.ISO_8859_1).equals("WEBP")) {
            return "WebP images are not supported (no WebP ImageIO plugin on the class path); convert to PNG or JPEG";
        }
        return "not an image in a supported format (PNG, JPEG, BMP, GIF); the data starts with "
                + hex(Arrays.copyOf(b, Math.min(8, b.length)));
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }

    /**
     * The stored samples of a decoded image as RGB (see the class comment), a row at a time, so that converting
     * holds no more than a row beside the raster.
     */
    private static final class RgbRows implements ImagePreprocessor.Rows {
        private final BufferedImage image;
        private final Raster raster;
        private final int w;
        private final IndexColorModel palette;
        /** Band of R, G and B in a component raster (grey: band 0 for all three), or null to go through getRGB. */
        private final int[] bands;
        private final int shift;
        private final int[] samples;

        RgbRows(BufferedImage image) {
            this.image = image;
            this.raster = image.getRaster();
            this.w = image.getWidth();
            this.palette = image.getColorModel() instanceof IndexColorModel p ? p : null;
            if (palette == null && image.getColorModel() instanceof ComponentColorModel && isByteOrShort(raster)) {
                // Read the raster itself: getRGB would convert grey through a linear colour space and change it.
                bands = image.getColorModel().getNumColorComponents() == 1 ? new int[] {0, 0, 0} : new int[] {0, 1, 2};
                shift = raster.getDataBuffer().getDataType() == DataBuffer.TYPE_BYTE ? 0 : 8;
                samples = new int[w * raster.getNumBands()];
            } else {
                // palettes are expanded; packed formats (BMP 5-6-5, 0RGB ints) have each field scaled to 8 bits
                bands = null;
                shift = 0;
                samples = new int[w];
            }
        }

        @Override
        public void read(int y, byte[] row) {
            if (palette != null) {
                raster.getSamples(0, y, w, 1, 0, samples);
                for (int x = 0; x < w; x++) {
                    row[3 * x] = (byte) palette.getRed(samples[x]);
                    row[3 * x + 1] = (byte) palette.getGreen(samples[x]);
                    row[3 * x + 2] = (byte) palette.getBlue(samples[x]);
                }
            } else if (bands != null) {
                raster.getPixels(0, y, w, 1, samples);
                int n = raster.getNumBands();
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        row[3 * x + c] = (byte) (samples[x * n + bands[c]] >> shift);
                    }
                }
            } else {
                image.getRGB(0, y, w, 1, samples, 0, w);
                for (int x = 0; x < w; x++) {
                    row[3 * x] = (byte) (samples[x] >> 16);
                    row[3 * x + 1] = (byte) (samples[x] >> 8);
                    row[3 * x + 2] = (byte) samples[x];
                }
            }
        }

        /** Every row: the image as stored. */
        RgbImage all() {
            int h = image.getHeight();
            byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
            byte[] row = new byte[w * 3];
            for (int y = 0; y < h; y++) {
                read(y, row);
                System.arraycopy(row, 0, rgb, y * row.length, row.length);
            }
            return new RgbImage(w, h, rgb);
        }
    }

    private static boolean isByteOrShort(Raster raster) {
        int type = raster.getDataBuffer().getDataType();
        return type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT;
    }
}
