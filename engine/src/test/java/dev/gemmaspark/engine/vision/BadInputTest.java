package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
