package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.Errors;
import dev.gemmaspark.connector.TestAudio;
import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.engine.TranscriptionResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spark.read.format("gemma").option("task", "transcribe")} over a folder of WAV, FLAC and MP3 files. */
class GemmaDataSourceTranscribeTest {
    /** file name in the folder -> golden recording */
    static final Map<String, String> FILES = Map.of(
            "speech.wav", "inputs/speech_espeak.wav",
            "chirp.wav", "inputs/chirp_2p3s.wav",
            "speech.flac", "codecs/speech_espeak.flac",
            "sine.mp3", "codecs/sine440_16k_mono.mp3");

    @TempDir
    static Path dir;
    private static SparkSession spark;
    private static Map<String, TranscriptionResult> expected;

    @BeforeAll
    static void files() throws Exception {
        spark = TestSpark.session();
        List<String> names = List.copyOf(FILES.keySet());
        List<byte[]> bytes = names.stream().map(n -> TestAudio.golden(FILES.get(n))).toList();
        for (int i = 0; i < names.size(); i++) {
            Files.write(dir.resolve(names.get(i)), bytes.get(i));
        }
        Files.writeString(dir.resolve("notes.wav"), "not a recording");
        Files.writeString(dir.resolve("_SUCCESS"), "hidden");
        List<TranscriptionResult> results = TestAudio.transcribe(bytes);
        expected = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            expected.put(names.get(i), results.get(i));
        }
    }

    private static DataFrameReader transcribe() {
        return spark.read().format("gemma").option("task", "transcribe").options(TestAudio.OPTIONS);
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

    @Test
    void everyFileIsOneTranscribedRow() {
        Dataset<Row> df = transcribe().load(dir.toString());
        assertEquals(List.of("path", "text", "audio_seconds", "output_tokens", "finish_reason", "error"),
                List.of(df.columns()));
        Map<String, Row> rows = byFile(df);
        assertEquals(FILES.size() + 1, rows.size());
        expected.forEach((name, e) -> {
            Row r = rows.get(name);
            assertNull(r.get(5), name);
            assertEquals(e.text(), r.getString(1), name);
            assertEquals(e.audioSeconds(), r.getDouble(2), 1e-9, name);
            assertEquals(e.outputTokens(), r.getInt(3), name);
            assertEquals(e.finishReason().label(), r.getString(4), name);
        });
        Row notes = rows.get("notes.wav");
        assertNull(notes.get(1));
        assertEquals(notes.getString(0) + ": unknown audio format (not WAV, FLAC or MP3)", notes.getString(5));
        assertEquals("error", notes.getString(4));
    }

    @Test
    void aGlobSelectsTheFiles() {
        Map<String, Row> rows = byFile(transcribe().load(dir + "/*.flac"));
        assertEquals(List.of("speech.flac"), List.copyOf(rows.keySet()));
        assertEquals(expected.get("speech.wav").text(), rows.get("speech.flac").getString(1));
    }

    @Test
    void failOnErrorNamesTheFile() {
        var e = assertThrows(Exception.class, () -> transcribe().option("failOnError", "true").load(dir.toString())
                .collect());
        String file = dir.toUri().toString().replace("file:///", "file:/") + "notes.wav";
        assertTrue(Errors.messages(e).contains("the gemma data source (task transcribe) failed on file " + file + ": "
                + file + ": unknown audio format"), Errors.messages(e));
    }

    @Test
    void aModelWithoutAudioFailsBeforeAnyTask() {
        var e = assertThrows(Exception.class, () -> spark.read().format("gemma").option("task", "transcribe")
                .load(dir.toString()).collect());
        assertTrue(Errors.messages(e).contains("model file " + TestSpark.MODEL + " (spark.gemma.model) has no audio "
                + "tower: set spark.gemma.audioWeights"), Errors.messages(e));
    }
}
