package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Decoding and llama.cpp's letterbox against the golden preprocessed pixels, bit for bit. */
class ImagePreprocessorTest {

    @Test
    void letterboxMatchesLlamaCppForEveryImageAndProjector() throws IOException {
        for (String projector : VisionGolden.PROJECTORS) {
            for (String image : VisionGolden.IMAGES) {
                String run = VisionGolden.run(projector, image);
                RgbImage expected = ImageDecoder.decode(VisionGolden.path(run + "preprocessed.png"));
                RgbImage actual = ImagePreprocessor.letterbox(ImageDecoder.decode(VisionGolden.image(image)),
                        expected.width());
                assertEquals(expected.width(), actual.width(), run);
                assertArrayEquals(expected.rgb(), actual.rgb(), run);
                RgbImage fromRaster = ImageDecoder.decode(Files.readAllBytes(VisionGolden.image(image)),
                        expected.width());
                assertArrayEquals(expected.rgb(), fromRaster.rgb(), run + ", letterboxed from the raster");
            }
        }
    }

    /** The README's letterbox table, with the f32 rounding that gives 193 rows where exact arithmetic gives 192. */
    @Test
    void geometryIsComputedInFloat32() {
        assertEquals(new ImagePreprocessor.Letterbox(256, 160, 0, 48), ImagePreprocessor.geometry(320, 200, 256));
        assertEquals(new ImagePreprocessor.Letterbox(148, 256, 54, 0), ImagePreprocessor.geometry(150, 260, 256));
        assertEquals(new ImagePreprocessor.Letterbox(256, 193, 0, 31), ImagePreprocessor.geometry(380, 285, 256));
        assertEquals(new ImagePreprocessor.Letterbox(512, 385, 0, 63), ImagePreprocessor.geometry(380, 285, 512));
        assertEquals(481, ImagePreprocessor.geometry(320, 200, 768).height());
        assertEquals(689, ImagePreprocessor.geometry(301, 336, 768).width());
    }

    /** The RGBA checker image: alpha dropped, not composited, as stb_image gives it to llama.cpp. */
    @Test
    void alphaIsDroppedAsStbImageDoes() throws IOException {
        RgbImage decoded = ImageDecoder.decode(VisionGolden.image("g1_checker_150x260"));
        byte[] npy = Files.readAllBytes(VisionGolden.path("images/g1_checker_150x260.rgb.npy"));
        int headerLength = ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
        assertEquals(true, header.contains("'|u1'") && header.contains("(260, 150, 3)"), header);
        assertArrayEquals(Arrays.copyOfRange(npy, 10 + headerLength, npy.length), decoded.rgb());
    }

    @Test
    void anImageOfTheTargetSizeIsUsedAsItIs() {
        RgbImage square = new RgbImage(4, 4, new byte[48]);
        assertEquals(square, ImagePreprocessor.letterbox(square, 4));
    }
}
