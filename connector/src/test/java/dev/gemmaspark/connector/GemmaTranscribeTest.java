package dev.gemmaspark.connector;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.ml.GemmaTransformer;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.SharedModel;
import dev.gemmaspark.connector.sql.GemmaEvalExec;
import dev.gemmaspark.engine.TranscriptionResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code gemma_transcribe} and {@code gemma_transcribe_result} on local[2] over the golden recordings (WAV, FLAC,
 * MP3), from a table of bytes and from Spark's {@code binaryFile} source, each answer equal to the engine's own
 * transcription of the same bytes with the same options.
 */
class GemmaTranscribeTest {
    /** Golden recordings of different lengths and formats; the two speech files hold the same samples. */
    static final List<String> FILES = List.of("inputs/speech_espeak.wav", "inputs/chirp_2p3s.wav",
            "inputs/sine440_noise_1s.wav", "codecs/speech_espeak.flac", "codecs/sine440_16k_mono.mp3");
    static final StructType SCHEMA = new StructType().add("id", DataTypes.IntegerType).add("audio", DataTypes.BinaryType);

    private static SparkSession spark;
    private static List<TranscriptionResult> expected;

    @BeforeAll
    static void recordings() {
        spark = TestSpark.session();
        List<Row> rows = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < FILES.size(); i++) {
            bytes.add(TestAudio.golden(FILES.get(i)));
            rows.add(RowFactory.create(i, bytes.getLast()));
        }
        Dataset<Row> table = spark.createDataFrame(rows, SCHEMA);
        table.repartition(2).createOrReplaceTempView("recordings");
        table.coalesce(1).createOrReplaceTempView("recordings_one_partition");
        expected = TestAudio.transcribe(bytes);
    }

    private static Map<Integer, Row> byId(Dataset<Row> df) {
        Map<Integer, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            out.put(r.getInt(0), r);
        }
        return out;
    }

    @Test
    void transcriptsEqualTheEnginesOwn() {
        Map<Integer, Row> rows = byId(spark.sql("SELECT id, gemma_transcribe(audio, " + TestAudio.OPTIONS_SQL + "), "
                + "gemma_transcribe_result(audio, " + TestAudio.OPTIONS_SQL + ") FROM recordings"));
        assertEquals(FILES.size(), rows.size());
        for (int i = 0; i < FILES.size(); i++) {
            TranscriptionResult e = expected.get(i);
            assertNull(e.error(), FILES.get(i));
            Row r = rows.get(i);
            assertEquals(e.text(), r.getString(1), FILES.get(i));
            Row full = r.getStruct(2);
            assertEquals(List.of("text", "audio_seconds", "output_tokens", "finish_reason", "error"),
                    List.of(full.schema().fieldNames()));
            assertEquals(e.text(), full.getString(0), FILES.get(i));
            assertEquals(e.audioSeconds(), full.getDouble(1), 1e-9, FILES.get(i));
            assertEquals(e.outputTokens(), full.getInt(2), FILES.get(i));
            assertEquals(e.finishReason().label(), full.getString(3), FILES.get(i));
            assertNull(full.get(4), FILES.get(i));
        }
        assertEquals(rows.get(0).getString(1), rows.get(3).getString(1), "the WAV and the FLAC hold the same samples");
        assertNotEquals(rows.get(0).getString(1), rows.get(1).getString(1), "speech and chirp gave the same text");
    }

    @Test
    void theTranscribePromptFollowsTheAudio() {
        String prompt = "Write down what is said.";
        String text = spark.sql("SELECT gemma_transcribe(audio, " + TestAudio.optionsSql(Map.of("transcribePrompt", prompt))
                + ") FROM recordings WHERE id = 0").first().getString(0);
        String expectedText = TestAudio.transcribe(List.of(TestAudio.golden(FILES.get(0))), prompt).getFirst().text();
        assertNotEquals(expected.get(0).text(), expectedText, "the prompt changes the engine's output");
        assertEquals(expectedText, text);
    }

    @Test
    void eachBatchIsOneEngineCall() {
        SharedModel model = ModelRegistry.acquire(ModelKey.of(GemmaOptions.fromConf(
                        CollectionConverters.asJava(spark.conf().getAll()))
                .overriddenBy(GemmaOptions.fromMap(TestAudio.OPTIONS, "test", java.util.Set.of())).settings()),
                new org.apache.hadoop.conf.Configuration());
        Map<Integer, Long> before = model.stats().countBySize();
        Dataset<Row> df = spark.sql("SELECT id, gemma_transcribe(audio, " + TestAudio.optionsSql(Map.of("batchSize", "2"))
                + ") FROM recordings_one_partition");
        assertEquals(FILES.size(), df.collectAsList().size());
        Map<Integer, Long> after = model.stats().countBySize();
        assertEquals(2L, after.getOrDefault(2, 0L) - before.getOrDefault(2, 0L), "batches of 2: " + after);
        assertEquals(1L, after.getOrDefault(1, 0L) - before.getOrDefault(1, 0L), "batches of 1: " + after);
        GemmaEvalExec exec = GemmaSqlFunctionsTest.gemmaExec(df.queryExecution().executedPlan());
        assertEquals(3L, exec.metrics().apply("engineCalls").value());
        long audioMillis = Math.round(expected.stream().mapToDouble(TranscriptionResult::audioSeconds).sum() * 1000);
        assertEquals(audioMillis, exec.metrics().apply("audioTime").value(), FILES.size());
    }

    @Test
    void badRowsGetANullResultAndAnErrorWhileTheOthersGoOn() {
        short[] quiet = new short[16_000];
        List<Row> rows = List.of(RowFactory.create(0, TestAudio.golden(FILES.get(1))), RowFactory.create(1, null),
                RowFactory.create(2, new byte[0]), RowFactory.create(3, "not audio".getBytes()),
                RowFactory.create(4, TestAudio.wav(new short[100])), RowFactory.create(5, TestAudio.wav(quiet)));
        spark.createDataFrame(rows, SCHEMA).coalesce(1).createOrReplaceTempView("bad_recordings");
        Map<Integer, Row> out = byId(spark.sql("SELECT id, gemma_transcribe(audio, " + TestAudio.OPTIONS_SQL + "), "
                + "gemma_transcribe_result(audio, " + TestAudio.OPTIONS_SQL + ") FROM bad_recordings"));
        assertEquals(expected.get(1).text(), out.get(0).getString(1));
        assertNull(out.get(0).getStruct(2).get(4));
        Map<Integer, String> errors = Map.of(1, "input is null", 2, "input is empty",
                3, "row 3 of partition 0: unknown audio format (not WAV, FLAC or MP3)",
                4, "row 4 of partition 0: audio shorter than 33 ms (100 samples)",
                5, "row 5 of partition 0: the audio is silent");
        errors.forEach((id, error) -> {
            Row r = out.get(id);
            assertNull(r.get(1), "row " + id);
            assertEquals(error, r.getStruct(2).getString(4), "row " + id);
            assertEquals("error", r.getStruct(2).getString(3), "row " + id);
        });
        assertEquals(1.0, out.get(5).getStruct(2).getDouble(1), 1e-9, "a silent recording still has its length");
    }

    @Test
    void failOnErrorFailsTheTaskNamingTheRow() {
        spark.createDataFrame(List.of(RowFactory.create(0, TestAudio.golden(FILES.get(2))),
                        RowFactory.create(1, "RIFF....WAVE".getBytes())), SCHEMA).coalesce(1)
                .createOrReplaceTempView("broken_recordings");
        var e = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_transcribe(audio, "
                + TestAudio.optionsSql(Map.of("failOnError", "true")) + ") FROM broken_recordings").collect());
        String messages = Errors.messages(e);
        assertTrue(messages.contains("gemma_transcribe failed on row 1 of partition 0 (input 12 bytes of audio): "
                + "row 1 of partition 0: "), messages);
    }

    @Test
    void binaryFileSourceDataFrameApiAndTransformer(@TempDir Path dir) throws Exception {
        for (int i : List.of(0, 1, 4)) {
            Path file = Path.of(FILES.get(i));
            Files.write(dir.resolve(file.getFileName()), TestAudio.golden(FILES.get(i)));
        }
        Dataset<Row> files = spark.read().format("binaryFile").load(dir.toString());
        Map<String, Row> sql = byName(files.selectExpr("path", "gemma_transcribe(content, " + TestAudio.OPTIONS_SQL + ")"));
        Map<String, Row> api = byName(files.select(col("path"), GemmaFunctions.transcribe(col("content"), TestAudio.OPTIONS)));
        GemmaTransformer transcriber = new GemmaTransformer().setInputCol("content").setOutputCol("transcript")
                .setTask("transcribe");
        TestAudio.OPTIONS.forEach(transcriber::setOption);
        Map<String, Row> ml = byName(transcriber.transform(files).select("path", "transcript"));
        assertEquals(3, sql.size());
        for (int i : List.of(0, 1, 4)) {
            String name = Path.of(FILES.get(i)).getFileName().toString();
            assertEquals(expected.get(i).text(), sql.get(name).getString(1), name);
            assertEquals(expected.get(i).text(), api.get(name).getString(1), name);
            assertEquals(expected.get(i).text(), ml.get(name).getString(1), name);
        }
    }

    /** file name -> row, for rows whose first column is a path */
    private static Map<String, Row> byName(Dataset<Row> df) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            String path = r.getString(0);
            out.put(path.substring(path.lastIndexOf('/') + 1), r);
        }
        return out;
    }

    @Test
    void aModelWithoutAudioFailsOnTheDriverNamingTheOption() {
        var e = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_transcribe(audio) FROM recordings").collect());
        assertTrue(Errors.messages(e).contains("model file " + TestSpark.MODEL + " (spark.gemma.model) has no audio tower:"
                + " set spark.gemma.audioWeights to the audio weights"), Errors.messages(e));
        var missing = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_transcribe(audio, map('audioWeights', "
                + "'/no/such/model.safetensors')) FROM recordings").collect());
        assertTrue(Errors.messages(missing).contains("audio weights /no/such/model.safetensors (option 'audioWeights' of "
                + "gemma_transcribe) do not exist"), Errors.messages(missing));
    }
}
