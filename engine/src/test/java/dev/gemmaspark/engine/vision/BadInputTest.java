package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that are not Gemma 3n vision projectors, and bytes that are not images, fail naming what is wrong. */
class BadInputTest {
    @TempDir
    Path dir;

    @Test
    void aTextModelIsNotAProjector() {
        Path model = Golden.model("gemma3n-tiny6-tinyvocab-f32");
        try (ThreadPool pool = new ThreadPool(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VisionEncoder.load(model, pool));
            assertTrue(e.getMessage().startsWith(model + ": not a vision projector (mmproj) file"), e.getMessage());
            assertTrue(e.getMessage().contains("'gemma3n'"), e.getMessage());
        }
    }

    @Test
    void aTruncatedProjectorNamesTheFile() throws IOException {
        byte[] whole = Files.readAllBytes(VisionGolden.projector(VisionGolden.S1));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        try (ThreadPool pool = new ThreadPool(1)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> VisionEncoder.load(cut, pool));
            assertTrue(e.getMessage().startsWith(cut + ": ") && e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void undecodableBytesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.decode("hello, world".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().startsWith("not an image in a supported format (PNG, JPEG, BMP, GIF)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(new byte[0]));
        assertEquals("empty image data (0 bytes)", e.getMessage());
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
        e = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(webp));
        assertTrue(e.getMessage().startsWith("WebP images are not supported"), e.getMessage());
    }

    @Test
    void aTruncatedPngFailsToDecode() throws IOException {
        byte[] png = Files.readAllBytes(VisionGolden.image("g2_photo_380x285"));
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(png, 200));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(cut));
        assertTrue(e.getMessage().startsWith(cut + ": cannot decode the image"), e.getMessage());
    }

    /** Grey (8 and 16 bit) to R = G = B as stored, without ImageIO's linear-grey conversion; 16 bits keep the high byte. */
    @Test
    void greyIsReplicatedAsStored() throws IOException {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 100);
        grey.getRaster().setSample(1, 0, 0, 200);
        assertEquals(100, ImageDecoder.decode(png(grey)).sample(0, 0, 1));
        assertEquals(200, ImageDecoder.decode(png(grey)).sample(1, 0, 2));
        BufferedImage deep = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        deep.getRaster().setSample(0, 0, 0, 0x80FF);
        RgbImage rgb = ImageDecoder.decode(png(deep));
        assertEquals(0x80, rgb.sample(0, 0, 0));
        assertEquals(0x80, rgb.sample(0, 0, 2));
    }

    /**
     * A 150-byte TIFF declaring 16384 x 16384 pixels of 16-bit RGBA: ImageIO would allocate its 2 GiB raster before
     * reading a pixel, an OutOfMemoryError in a JVM of a few GB. The decoder refuses it from the header.
     */
    @Test
    void anImageTooLargeForTheHeapIsRefusedBeforeItIsDecoded() {
        byte[] tiff = tiff16BitRgba(16384, 16384);
        assertEquals(150, tiff.length);
        ImageMemory memory = new ImageMemory(256L << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.decode(tiff, 0, memory));
        assertEquals("the TIF image of 16384 x 16384 pixels needs about 2817 MiB of heap to decode, more than the 256 "
                + "MiB that images may take at once (half of the JVM's maximum heap); give the JVM more heap "
                + "(spark.executor.memory, or JAVA_OPTS=-Xmx... for the CLI) or make the image smaller", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(tiff, 768, memory));
        assertTrue(e.getMessage().startsWith("the TIF image of 16384 x 16384 pixels needs about 2086 MiB"),
                "the 2 GiB raster, a row converted, 36 MiB of rows resized to 768 and the canvas: " + e.getMessage());
    }

    /**
     * A 4096 x 4096 1-bit PNG of a few kilobytes: as stored it takes 48 MiB of RGB beside its 2 MiB raster, more than
     * the budget; letterboxed from its raster a row at a time it fits, and gives the pixels of the letterboxed copy.
     */
    @Test
    void aLargeImageIsLetterboxedFromItsRasterARowAtATime() throws IOException {
        BufferedImage stripes = new BufferedImage(4096, 4096, BufferedImage.TYPE_BYTE_BINARY);
        for (int y = 0; y < 4096; y += 3) {
            for (int x = y % 7; x < 4096; x += 5) {
                stripes.getRaster().setSample(x, y, 0, 1);
            }
        }
        byte[] file = png(stripes);
        ImageMemory small = new ImageMemory(16L << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.decode(file, 0, small));
        assertTrue(e.getMessage().startsWith("the PNG image of 4096 x 4096 pixels needs about 51 MiB"), e.getMessage());
        RgbImage letterboxed = ImageDecoder.decode(file, 64, small);
        RgbImage reference = ImagePreprocessor.letterbox(ImageDecoder.decode(file), 64);
        assertArrayEquals(reference.rgb(), letterboxed.rgb());
        assertTrue(letterboxed.sample(10, 20, 0) > 0 && letterboxed.sample(10, 20, 0) < 255,
                "stripes averaged to grey: " + letterboxed.sample(10, 20, 0));
    }

    /** Little-endian TIFF: an IFD of ten entries, the four bits-per-sample values, 8 bytes of (too short) strip. */
    private static byte[] tiff16BitRgba(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(150).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        int[][] entries = {
            {256, 4, width}, {257, 4, height}, {258, 3, 134}, {259, 3, 1}, {262, 3, 2},
            {273, 4, 142}, {277, 3, 4}, {278, 4, height}, {279, 4, 8}, {338, 3, 2},
        };
        b.putShort((short) entries.length);
        for (int[] e : entries) {
            int count = e[0] == 258 ? 4 : 1;
            b.putShort((short) e[0]).putShort((short) e[1]).putInt(count);
            if (e[1] == 3 && count == 1) {
                b.putShort((short) e[2]).putShort((short) 0);
            } else {
                b.putInt(e[2]);
            }
        }
        b.putInt(0);
        for (int i = 0; i < 4; i++) {
            b.putShort((short) 16);
        }
        return b.array();
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
