package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.Errors;
import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.connector.TestVision;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.vision.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark.read.format("gemma")} with task caption over a folder of images with a bad file among them, and task
 * generate over a folder of images and text: each good file's row equals the engine's answer for the same pixels
 * and prompt; a bad file's row holds an error naming it, and the read goes on.
 */
class GemmaDataSourceImageTest {
    @TempDir
    static Path dir;
    private static SparkSession spark;
    /** file name in the folder -> its pixels as the engine decodes them */
    private static final Map<String, RgbImage> IMAGES = new HashMap<>();

    @BeforeAll
    static void files() throws Exception {
        spark = TestSpark.session();
        Files.write(dir.resolve("gradient.png"), TestVision.png(TestVision.IMAGES.get(0)));
        Files.write(dir.resolve("checker.PNG"), TestVision.png(TestVision.IMAGES.get(1)));
        // the photo as a BMP: lossless, so it decodes to the PNG's pixels
        RgbImage photo = TestVision.decode(TestVision.png(TestVision.IMAGES.get(2)));
        Files.write(dir.resolve("photo.bmp"), bmp(photo));
        Files.writeString(dir.resolve("broken.png"), "this is not a PNG");
        for (String name : List.of("gradient.png", "checker.PNG", "photo.bmp")) {
            IMAGES.put(name, TestVision.decode(Files.readAllBytes(dir.resolve(name))));
        }
        assertArrayEquals(photo.rgb(), IMAGES.get("photo.bmp").rgb(), "the BMP holds the photo's pixels");
    }

    private static DataFrameReader read(String task) {
        return spark.read().format("gemma").option("task", task).options(TestVision.OPTIONS);
    }

    /** file name -> row */
    private static Map<String, Row> byFile(Dataset<Row> df) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            String path = r.getString(0);
            out.put(path.substring(path.lastIndexOf('/') + 1), r);
        }
        return out;
    }

    private static void assertRow(GenerationResult e, Row r, String name) {
        assertNull(r.get(5), name);
        assertEquals(e.text(), r.getString(1), name);
        assertEquals(e.promptTokenCount(), r.getInt(2), name);
        assertEquals(e.outputTokenCount(), r.getInt(3), name);
        assertEquals(e.finishReason().label(), r.getString(4), name);
    }

    @Test
    void captionGivesEveryImageItsRowAndTheBadFileAnError() {
        Dataset<Row> df = read("caption").option("maxWords", "8").option("batchSize", "2").load(dir.toString());
        assertEquals(List.of("path", "text", "prompt_tokens", "output_tokens", "finish_reason", "error"),
                List.of(df.columns()));
        Map<String, Row> rows = byFile(df);
        assertEquals(IMAGES.size() + 1, rows.size());
        IMAGES.forEach((name, image) -> assertRow(TestVision.generate(TestVision.captionPrompt(8), List.of(image))
                .getFirst(), rows.get(name), name));
        Row broken = rows.get("broken.png");
        assertNull(broken.get(1));
        assertEquals("error", broken.getString(4));
        assertEquals(broken.getString(0) + ": not an image in a supported format (PNG, JPEG, BMP, GIF); the data "
                + "starts with 7468697320697320", broken.getString(5));
    }

    @Test
    void generateReadsImageFilesAsImagesAndOtherFilesAsText(@TempDir Path mixed) throws Exception {
        Files.copy(dir.resolve("gradient.png"), mixed.resolve("gradient.png"));
        Files.copy(dir.resolve("photo.bmp"), mixed.resolve("photo.bmp"));
        Files.writeString(mixed.resolve("notes.txt"), "a red fox");
        String prompt = "What is in {content}?";
        Map<String, Row> rows = byFile(read("generate").option("prompt", prompt).load(mixed.toString()));
        assertEquals(3, rows.size());
        for (String name : List.of("gradient.png", "photo.bmp")) {
            assertRow(TestVision.generate("What is in <image>?", List.of(IMAGES.get(name))).getFirst(), rows.get(name),
                    name);
        }
        assertRow(TestVision.generate("What is in a red fox?"), rows.get("notes.txt"), "notes.txt");
    }

    @Test
    void withoutAProjectorEachImageFileGetsAnErrorNamingIt() {
        Map<String, Row> rows = byFile(spark.read().format("gemma").option("task", "caption")
                .option("model", TestVision.MODEL.toString()).load(dir + "/*.png"));
        assertEquals(List.of("broken.png", "gradient.png"), rows.keySet().stream().sorted().toList());
        rows.values().forEach(r -> assertEquals(r.getString(0) + ": the model has no vision projector: set "
                + "spark.gemma.mmproj (option mmproj) to the mmproj GGUF file that comes with the model",
                r.getString(5)));
    }

    @Test
    void aMissingProjectorFailsBeforeAnyTask() {
        var e = assertThrows(Exception.class, () -> read("caption")
                .option("mmproj", dir.resolve("none.gguf").toString()).load(dir.toString()).collect());
        assertTrue(Errors.messages(e).contains("vision projector " + dir.resolve("none.gguf")
                + " (option mmproj) does not exist"), Errors.messages(e));
    }

    private static byte[] bmp(RgbImage image) throws Exception {
        BufferedImage b = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                b.setRGB(x, y, image.sample(x, y, 0) << 16 | image.sample(x, y, 1) << 8 | image.sample(x, y, 2));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(b, "bmp", out);
        return out.toByteArray();
    }
}
