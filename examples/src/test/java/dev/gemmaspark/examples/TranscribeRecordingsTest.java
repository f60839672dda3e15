package dev.gemmaspark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transcription example end to end on local[*] with the random audio model run-transcribe.sh uses by
 * default, over the sample recordings: every recording's row equals the engine's own transcription of the file.
 */
class TranscribeRecordingsTest {
    private static final Path TOWER = Paths.get("../engine/src/test/resources/golden/audio/small_sharp")
            .toAbsolutePath().normalize();
    private static final Path RECORDINGS = Paths.get("data/audio").toAbsolutePath();
    /** What run-transcribe.sh sets for the random model, with fewer tokens. */
    private static final Map<String, String> OPTIONS = Map.of("spark.gemma.maxTokens", "6",
            "spark.gemma.temperature", "1", "spark.gemma.seed", "3", "spark.gemma.contextLength", "512",
            "spark.ui.enabled", "false");

    @Test
    void writesOneTranscriptPerRecording(@TempDir Path dir) throws Exception {
        RandomAudioModel model = RandomAudioModel.write(TOWER, dir.resolve("model"));
        Path output = dir.resolve("transcripts");
        ExampleRun.run(OPTIONS, () -> TranscribeRecordings.main(new String[] {"--model", model.gguf().toString(),
                "--audio-weights", model.audioWeights().toString(), "--input", RECORDINGS + "/*.wav", "--output",
                output.toString()}));

        List<Row> rows = ExampleRun.rowsByPath(output);
        List<Path> files = ExampleRun.files(RECORDINGS, ".wav");
        assertEquals(4, files.size());
        assertEquals(files.size(), rows.size());
        List<float[]> recordings = new ArrayList<>();
        for (Path f : files) {
            recordings.add(AudioDecoder.decode(f));
        }
        List<TranscriptionResult> expected;
        try (GemmaModel engine = GemmaModel.load(model.gguf(), model.audioWeights(),
                EngineOptions.defaults().withThreads(2).withContextLength(512))) {
            expected = engine.transcribeAll(recordings, "Transcribe this audio.",
                    SamplingParams.GREEDY.withTemperature(1f).withSeed(3).withMaxTokens(6));
        }
        for (int i = 0; i < files.size(); i++) {
            Row r = rows.get(i);
            assertEquals(files.get(i).toUri().getPath(), Paths.get(java.net.URI.create(r.getString(0))).toString());
            assertNull(r.getString(5), files.get(i).toString());
            assertEquals(expected.get(i).text(), r.getString(1), files.get(i).toString());
            assertEquals(expected.get(i).audioSeconds(), r.getDouble(2), 1e-9);
            assertEquals(expected.get(i).outputTokens(), r.getInt(3));
        }
    }
}
