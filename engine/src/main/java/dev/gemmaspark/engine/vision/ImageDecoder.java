package dev.gemmaspark.engine.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
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

    public static RgbImage decode(Path file) throws IOException {
        try {
            return decode(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Decodes the bytes of an image file; undecodable or unsupported data throws {@link IllegalArgumentException}. */
    public static RgbImage decode(byte[] bytes) {
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
                String format = reader.getFormatName();
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w * h == 0) {
                    throw new Refused("the " + format + " image has no pixels (" + w + " x " + h + ")");
                }
                if (w * h > MAX_PIXELS) {
                    throw new Refused("the " + format + " image is too large (" + w + " x " + h + " pixels, at most "
                            + MAX_PIXELS + ")");
                }
                return toRgb(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (Refused e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // corrupt data surfaces as IIOException or as whatever runtime exception the plugin's parser hits
            throw new IllegalArgumentException("cannot decode the image: " + describe(e), e);
        }
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

    /** The stored samples as RGB (see the class comment). */
    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        Raster raster = image.getRaster();
        if (image.getColorModel() instanceof IndexColorModel palette) {
            int[] index = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < index.length; i++) {
                rgb[3 * i] = (byte) palette.getRed(index[i]);
                rgb[3 * i + 1] = (byte) palette.getGreen(index[i]);
                rgb[3 * i + 2] = (byte) palette.getBlue(index[i]);
            }
        } else if (image.getColorModel() instanceof ComponentColorModel && isByteOrShort(raster)) {
            // Read the raster itself: getRGB would convert grey through a linear colour space and change its values.
            int bands = raster.getNumBands();
            int colours = image.getColorModel().getNumColorComponents();
            int shift = raster.getDataBuffer().getDataType() == DataBuffer.TYPE_BYTE ? 0 : 8;
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        int band = colours == 1 ? 0 : c;
                        rgb[(y * w + x) * 3 + c] = (byte) (row[x * bands + band] >> shift);
                    }
                }
            }
        } else {
            // packed formats (BMP 5-6-5, 0RGB ints): the colour model scales each field to 8 bits
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                rgb[3 * i] = (byte) (argb[i] >> 16);
                rgb[3 * i + 1] = (byte) (argb[i] >> 8);
                rgb[3 * i + 2] = (byte) argb[i];
            }
        }
        return new RgbImage(w, h, rgb);
    }

    private static boolean isByteOrShort(Raster raster) {
        int type = raster.getDataBuffer().getDataType();
        return type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT;
    }
}
