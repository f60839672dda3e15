package dev.gemmaspark.connector;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.ml.GemmaTransformer;
import dev.gemmaspark.connector.sql.GemmaEvalExec;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.vision.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gemma_generate(prompt, image)}, {@code gemma_caption} and their {@code _result} variants on local[2] over
 * the golden images, given as file bytes and as the struct of Spark's image source: every answer equals the engine's
 * own generation for the same pixels and prompt, and a struct gives exactly what the file's bytes give.
 */
class GemmaVisionTest {
    static final StructType BYTES = new StructType().add("id", DataTypes.IntegerType)
            .add("prompt", DataTypes.StringType).add("image", DataTypes.BinaryType);
    static final StructType STRUCTS = new StructType().add("id", DataTypes.IntegerType)
            .add("prompt", DataTypes.StringType).add("image", ImageSchema.columnSchema());
    /** One prompt per golden image; the second places the image inside the text. */
    static final List<String> PROMPTS = List.of("What is in it?", "Look: <image> Name the colours.", "Describe it.");
    static final String OPTIONS_SQL = TestVision.optionsSql(Map.of());
    /**
     * 150 bytes of TIFF declaring 16384 x 16384 pixels of 16-bit RGBA: ImageIO would allocate a 2 GiB raster for it,
     * beyond these tests' 2 GiB heap (an OutOfMemoryError that ends an executor).
     */
    static final String TIFF_BOMB = "49492a00080000000a00000104000100000000400000010104000100000000400000020103000400"
            + "00008600000003010300010000000100000006010300010000000200000011010400010000008e00000015010300010000000400"
            + "00001601040001000000004000001701040001000000080000005201030001000000020000000000000010001000100010000000"
            + "000000000000";

    private static SparkSession spark;
    private static List<byte[]> files;
    private static List<RgbImage> pixels;

    @BeforeAll
    static void images() {
        spark = TestSpark.session();
        files = TestVision.IMAGES.stream().map(TestVision::png).toList();
        pixels = files.stream().map(TestVision::decode).toList();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            rows.add(RowFactory.create(i, PROMPTS.get(i), files.get(i)));
        }
        spark.createDataFrame(rows, BYTES).repartition(2).createOrReplaceTempView("photos");
    }

    private static Map<Integer, Row> byId(Dataset<Row> df) {
        Map<Integer, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            out.put(r.getInt(0), r);
        }
        return out;
    }

    private static GenerationResult expected(String prompt, RgbImage image) {
        return TestVision.generate(prompt, List.of(image)).getFirst();
    }

    private static void assertResult(GenerationResult e, Row full, String what) {
        assertEquals(List.of("text", "prompt_tokens", "output_tokens", "finish_reason", "error"),
                List.of(full.schema().fieldNames()));
        assertNull(e.error(), what);
        assertEquals(e.text(), full.getString(0), what);
        assertEquals(e.promptTokenCount(), full.getInt(1), what);
        assertEquals(e.outputTokenCount(), full.getInt(2), what);
        assertEquals(e.finishReason().label(), full.getString(3), what);
        assertNull(full.get(4), what);
    }

    @Test
    void generateWithImageBytesEqualsTheEngine() {
        Map<Integer, Row> rows = byId(spark.sql("SELECT id, gemma_generate(prompt, image, " + OPTIONS_SQL + "), "
                + "gemma_generate_result(prompt, image, " + OPTIONS_SQL + ") FROM photos"));
        assertEquals(files.size(), rows.size());
        for (int i = 0; i < files.size(); i++) {
            GenerationResult e = expected(PROMPTS.get(i), pixels.get(i));
            assertEquals(e.text(), rows.get(i).getString(1), TestVision.IMAGES.get(i));
            assertResult(e, rows.get(i).getStruct(2), TestVision.IMAGES.get(i));
            // 256 image positions and the two markers are part of the prompt
            assertTrue(e.promptTokenCount() > 258, "prompt tokens " + e.promptTokenCount());
        }
        GenerationResult otherImage = expected(PROMPTS.get(0), pixels.get(2));
        assertNotEquals(rows.get(0).getString(1), otherImage.text(), "the image does not change the answer");
    }

    @Test
    void aStructOfSparksImageSourceGivesWhatTheFileBytesGive() throws IOException {
        byte[] grey = greyPng(37, 23);
        RgbImage greyPixels = TestVision.decode(grey);
        byte[] greyData = new byte[37 * 23];
        for (int p = 0; p < greyData.length; p++) {
            greyData[p] = greyPixels.rgb()[3 * p];
        }
        byte[] alpha = new byte[pixels.get(1).width() * pixels.get(1).height()];
        Arrays.fill(alpha, (byte) 0x40);
        List<Row> structs = List.of(
                RowFactory.create(0, PROMPTS.get(0), imageRow("mem:g0", pixels.get(0), 3, 16,
                        TestVision.bgr(pixels.get(0), null))),
                RowFactory.create(1, PROMPTS.get(1), imageRow("mem:g1", pixels.get(1), 4, 24,
                        TestVision.bgr(pixels.get(1), alpha))),
                RowFactory.create(2, PROMPTS.get(2), imageRow("mem:grey", greyPixels, 1, 0, greyData)));
        List<byte[]> sameFiles = List.of(files.get(0), files.get(1), grey);
        List<Row> bytes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            bytes.add(RowFactory.create(i, PROMPTS.get(i), sameFiles.get(i)));
        }
        String query = "SELECT id, gemma_generate(prompt, image, " + OPTIONS_SQL + ") FROM ";
        spark.createDataFrame(structs, STRUCTS).createOrReplaceTempView("struct_photos");
        spark.createDataFrame(bytes, BYTES).createOrReplaceTempView("byte_photos");
        Map<Integer, Row> fromStructs = byId(spark.sql(query + "struct_photos"));
        Map<Integer, Row> fromBytes = byId(spark.sql(query + "byte_photos"));
        List<RgbImage> expectedPixels = List.of(pixels.get(0), pixels.get(1), greyPixels);
        for (int i = 0; i < 3; i++) {
            String text = expected(PROMPTS.get(i), expectedPixels.get(i)).text();
            assertEquals(text, fromBytes.get(i).getString(1), "bytes " + i);
            assertEquals(text, fromStructs.get(i).getString(1), "struct " + i);
        }
    }

    @Test
    void sparksImageSourceAndBinaryFileGiveTheSameText(@TempDir Path dir) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            Files.write(dir.resolve(TestVision.IMAGES.get(i) + ".png"), files.get(i));
        }
        String prompt = "What is in it?";
        Map<String, String> viaStruct = new HashMap<>();
        for (Row r : spark.read().format("image").load(dir.toString())
                .selectExpr("image.origin", "image.nChannels", "gemma_generate('" + prompt + "', image, " + OPTIONS_SQL
                        + ")").collectAsList()) {
            viaStruct.put(name(r.getString(0)), r.getString(2));
            assertEquals(name(r.getString(0)).startsWith("g1") ? 4 : 3, r.getInt(1), "Spark keeps g1's alpha");
        }
        Map<String, String> viaBytes = new HashMap<>();
        for (Row r : spark.read().format("binaryFile").load(dir.toString())
                .selectExpr("path", "gemma_generate('" + prompt + "', content, " + OPTIONS_SQL + ")").collectAsList()) {
            viaBytes.put(name(r.getString(0)), r.getString(1));
        }
        assertEquals(3, viaStruct.size());
        for (int i = 0; i < files.size(); i++) {
            String file = TestVision.IMAGES.get(i) + ".png";
            String text = expected(prompt, pixels.get(i)).text();
            assertEquals(text, viaBytes.get(file), file);
            assertEquals(text, viaStruct.get(file), file);
        }
    }

    @Test
    void captionsEqualTheEnginesWithTheCaptionPrompt() {
        Map<Integer, Row> rows = byId(spark.sql("SELECT id, gemma_caption(image, " + OPTIONS_SQL + "), "
                + "gemma_caption(image, 5, " + OPTIONS_SQL + "), gemma_caption_result(image, " + OPTIONS_SQL
                + ") FROM photos"));
        List<GenerationResult> plain = TestVision.generate(TestVision.captionPrompt(null), pixels);
        List<GenerationResult> fiveWords = TestVision.generate(TestVision.captionPrompt(5), pixels);
        for (int i = 0; i < files.size(); i++) {
            assertEquals(plain.get(i).text(), rows.get(i).getString(1), TestVision.IMAGES.get(i));
            assertEquals(fiveWords.get(i).text(), rows.get(i).getString(2), TestVision.IMAGES.get(i));
            assertResult(plain.get(i), rows.get(i).getStruct(3), TestVision.IMAGES.get(i));
        }
    }

    @Test
    void theImagesOfABatchAreOneEngineCall() {
        for (int batchSize : new int[] {32, 2}) {
            Dataset<Row> df = spark.table("photos").coalesce(1).selectExpr("id", "gemma_caption(image, "
                    + TestVision.optionsSql(Map.of("batchSize", String.valueOf(batchSize))) + ")");
            assertEquals(files.size(), df.collectAsList().size());
            GemmaEvalExec exec = GemmaSqlFunctionsTest.gemmaExec(df.queryExecution().executedPlan());
            assertEquals(batchSize == 32 ? 1L : 2L, exec.metrics().apply("engineCalls").value(), "batch " + batchSize);
        }
    }

    @Test
    void badImagesGetANullResultAndAnErrorNamingTheRowWhileTheOthersGoOn() {
        List<Row> rows = List.of(RowFactory.create(0, "Hi", files.get(0)), RowFactory.create(1, "Hi", null),
                RowFactory.create(2, "Hi", new byte[0]), RowFactory.create(3, "Hi", "not an image".getBytes()),
                RowFactory.create(4, "Hi", Arrays.copyOf(files.get(2), 200)),
                RowFactory.create(5, "Hi", "RIFF\0\0\0\0WEBPVP8 ".getBytes()),
                RowFactory.create(6, "Hi", HexFormat.of().parseHex(TIFF_BOMB)));
        spark.createDataFrame(rows, BYTES).coalesce(1).createOrReplaceTempView("bad_photos");
        Map<Integer, Row> out = byId(spark.sql("SELECT id, gemma_caption(image, " + OPTIONS_SQL + "), "
                + "gemma_caption_result(image, " + OPTIONS_SQL + "), gemma_generate(prompt, image, " + OPTIONS_SQL
                + ") FROM bad_photos"));
        assertEquals(TestVision.generate(TestVision.captionPrompt(null), List.of(pixels.get(0))).getFirst().text(),
                out.get(0).getString(1));
        assertNull(out.get(0).getStruct(2).get(4));
        assertEquals(TestVision.generate("Hi").text(), out.get(1).getString(3), "a null image: the prompt alone");
        Map<Integer, String> errors = Map.of(1, "input is null",
                2, "row 2 of partition 0: empty image data (0 bytes)",
                3, "row 3 of partition 0: not an image in a supported format (PNG, JPEG, BMP, GIF); the data starts "
                        + "with 6e6f7420616e2069",
                5, "row 5 of partition 0: WebP images are not supported (no WebP ImageIO plugin on the class path); "
                        + "convert to PNG or JPEG");
        errors.forEach((id, error) -> {
            Row r = out.get(id);
            assertNull(r.get(1), "row " + id);
            assertEquals(error, r.getStruct(2).getString(4), "row " + id);
            assertEquals("error", r.getStruct(2).getString(3), "row " + id);
        });
        String bomb = out.get(6).getStruct(2).getString(4);
        assertTrue(bomb.startsWith("row 6 of partition 0: the TIF image of 16384 x 16384 pixels needs about 2061 MiB "
                + "of heap to decode, more than the "), bomb);
        assertNull(out.get(6).get(3), "refused by generate too");
        String cut = out.get(4).getStruct(2).getString(4);
        assertTrue(cut.startsWith("row 4 of partition 0: cannot decode the image: "), cut);
        assertNull(out.get(4).get(3), "a cut PNG fails generate too");
    }

    @Test
    void badStructsGetAnErrorNamingTheRowAndTheOrigin() {
        RgbImage g0 = pixels.get(0);
        List<Row> rows = List.of(
                RowFactory.create(0, "Hi", imageRow("file:/a.png", g0, 3, 16, TestVision.bgr(g0, null))),
                RowFactory.create(1, "Hi", RowFactory.create("file:/empty.png", 0, 0, 3, 16, new byte[0])),
                RowFactory.create(2, "Hi", RowFactory.create("file:/broken.png", -1, -1, -1, -1, new byte[0])),
                RowFactory.create(3, "Hi", imageRow("file:/short.png", g0, 3, 16, new byte[10])),
                RowFactory.create(4, "Hi", imageRow("file:/c2.png", g0, 2, 8, new byte[g0.width() * g0.height() * 2])),
                RowFactory.create(5, "Hi", imageRow("file:/mode.png", g0, 3, 17, TestVision.bgr(g0, null))));
        spark.createDataFrame(rows, STRUCTS).coalesce(1).createOrReplaceTempView("bad_structs");
        Map<Integer, Row> out = byId(spark.sql("SELECT id, gemma_caption_result(image, " + OPTIONS_SQL
                + ") FROM bad_structs"));
        assertNull(out.get(0).getStruct(1).get(4));
        Map<Integer, String> errors = Map.of(
                1, "row 1 of partition 0: file:/empty.png: the image has no pixels (0 x 0)",
                2, "row 2 of partition 0: file:/broken.png: Spark's image data source could not decode this file "
                        + "(option dropInvalid=true leaves such rows out)",
                3, "row 3 of partition 0: file:/short.png: data has 10 bytes, a 320 x 200 image of 3 channels has "
                        + "192000",
                4, "row 4 of partition 0: file:/c2.png: nChannels is 2; images of 1 (grey), 3 (BGR) or 4 (BGRA) "
                        + "channels are taken",
                5, "row 5 of partition 0: file:/mode.png: mode 17 is not CV_8UC3 (16), the 8-bit type of 3 channels; "
                        + "only 8-bit images are taken");
        errors.forEach((id, error) -> assertEquals(error, out.get(id).getStruct(1).getString(4), "row " + id));
    }

    @Test
    void withoutAProjectorEveryImageRowGetsAnErrorNamingTheOption() {
        Map<Integer, Row> out = byId(spark.sql("SELECT id, gemma_caption_result(image, map('model', '"
                + TestVision.MODEL + "')), gemma_generate('Hi', image, map('model', '" + TestVision.MODEL + "')) "
                + "FROM photos"));
        assertEquals(files.size(), out.size());
        out.values().forEach(r -> {
            String error = r.getStruct(1).getString(4);
            assertTrue(error.matches("row \\d of partition \\d: the model has no vision projector: set "
                    + "spark\\.gemma\\.mmproj \\(option mmproj\\) to the mmproj GGUF file that comes with the model"),
                    error);
            assertNull(r.get(2));
        });
    }

    @Test
    void failOnErrorFailsTheTaskNamingTheRow() {
        spark.createDataFrame(List.of(RowFactory.create(0, "Hi", files.get(0)),
                RowFactory.create(1, "Hi", "GIF89a".getBytes())), BYTES).coalesce(1).createOrReplaceTempView("gif");
        var e = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_caption(image, "
                + TestVision.optionsSql(Map.of("failOnError", "true")) + ") FROM gif").collect());
        String messages = Errors.messages(e);
        assertTrue(messages.contains("gemma_caption failed on row 1 of partition 0 (input 6 bytes of image): row 1 of "
                + "partition 0: cannot decode the image: "), messages);
    }

    @Test
    void imageArgumentsAndTheProjectorAreCheckedBeforeAnyRowRuns(@TempDir Path dir) throws IOException {
        var string = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_generate('Hi', 'photo.png')")
                .collect());
        assertTrue(Errors.messages(string).contains("the image argument of gemma_generate must be BINARY (the bytes of "
                + "an image file, such as the content of Spark's binaryFile source) or the struct of Spark's image "
                + "source (origin, height, width, nChannels, mode, data), got STRING: 'photo.png'"),
                Errors.messages(string));
        var number = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_caption_result(42)").collect());
        assertTrue(Errors.messages(number).contains("the image argument of gemma_caption_result must be BINARY"),
                Errors.messages(number));
        var arity = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_caption(image, 5, 6) FROM photos")
                .collect());
        assertTrue(Errors.messages(arity).contains("gemma_caption takes 1 or 2 arguments before its options map, "
                + "got 3"), Errors.messages(arity));
        var missing = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_caption(image, map('model', '"
                + TestVision.MODEL + "', 'mmproj', '/no/such/mmproj.gguf')) FROM photos").collect());
        assertTrue(Errors.messages(missing).contains("vision projector /no/such/mmproj.gguf (option mmproj) does not "
                + "exist"), Errors.messages(missing));
        Path png = Files.write(dir.resolve("mmproj.gguf"), files.get(0));
        var notGguf = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_caption(image, map('model', '"
                + TestVision.MODEL + "', 'mmproj', '" + png + "')) FROM photos").collect());
        assertTrue(Errors.messages(notGguf).contains("vision projector " + png + " (option mmproj) is not a GGUF file"),
                Errors.messages(notGguf));
        // a GGUF that is no projector (the text model itself) is refused on the driver too
        var textModel = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_caption(image, map('model', '"
                + TestVision.MODEL + "', 'mmproj', '" + TestVision.MODEL + "')) FROM photos").collect());
        assertTrue(Errors.messages(textModel).contains("vision projector " + TestVision.MODEL + " (option mmproj): "),
                Errors.messages(textModel));
        assertTrue(Errors.messages(textModel).contains("not a vision projector (mmproj) file"),
                Errors.messages(textModel));
    }

    @Test
    void dataFrameApiAndTransformer() {
        Dataset<Row> photos = spark.table("photos");
        Map<Integer, Row> api = byId(photos.select(col("id"), GemmaFunctions.caption(col("image"), TestVision.OPTIONS),
                GemmaFunctions.generate(col("prompt"), col("image"), TestVision.OPTIONS),
                GemmaFunctions.captionResult(col("image"), 5, TestVision.OPTIONS)));
        GemmaTransformer captioner = new GemmaTransformer().setTask("caption").setInputCol("image")
                .setOutputCol("caption").setMaxWords(5);
        GemmaTransformer asker = new GemmaTransformer().setTask("generate").setInputCol("prompt").setImageCol("image")
                .setOutputCol("answer");
        TestVision.OPTIONS.forEach(captioner::setOption);
        TestVision.OPTIONS.forEach(asker::setOption);
        Map<Integer, Row> ml = byId(asker.transform(captioner.transform(photos)).select("id", "caption", "answer"));
        List<GenerationResult> captions = TestVision.generate(TestVision.captionPrompt(null), pixels);
        List<GenerationResult> fiveWords = TestVision.generate(TestVision.captionPrompt(5), pixels);
        for (int i = 0; i < files.size(); i++) {
            String answer = expected(PROMPTS.get(i), pixels.get(i)).text();
            assertEquals(captions.get(i).text(), api.get(i).getString(1));
            assertEquals(answer, api.get(i).getString(2));
            assertEquals(fiveWords.get(i).text(), api.get(i).getStruct(3).getString(0));
            assertEquals(fiveWords.get(i).text(), ml.get(i).getString(1));
            assertEquals(answer, ml.get(i).getString(2));
        }
        var wrongTask = assertThrows(IllegalArgumentException.class, () -> new GemmaTransformer().setTask("caption")
                .setInputCol("image").setImageCol("image").setOutputCol("c").transform(photos));
        assertTrue(wrongTask.getMessage().contains("belongs to task generate, not caption"), wrongTask.getMessage());
    }

    private static Row imageRow(String origin, RgbImage size, int nChannels, int mode, byte[] data) {
        return RowFactory.create(origin, size.height(), size.width(), nChannels, mode, data);
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** An 8-bit grey PNG with a diagonal ramp. */
    private static byte[] greyPng(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, (x * 7 + y * 5) & 0xFF);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
