package dev.gemmaspark.examples;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Transcribes a folder of recordings (WAV, FLAC or MP3) with the gemma data source, one row per file, and writes
 * {@code path, text, audio_seconds, output_tokens, finish_reason, error} to Parquet.
 */
public final class TranscribeRecordings {
    private TranscribeRecordings() {}

    public static void main(String[] args) {
        ExampleArgs a = ExampleArgs.parse("TranscribeRecordings", args, "examples/data/audio/*.wav", "target/transcripts");
        Dataset<Row> transcripts = a.spark().read().format("gemma").option("task", "transcribe").load(a.input());
        transcripts.write().mode(SaveMode.Overwrite).parquet(a.output());
        Dataset<Row> written = a.spark().read().parquet(a.output()).orderBy("path");
        written.select("path", "text", "audio_seconds", "error").show(10, 80);
        System.out.println("transcribed " + written.count() + " recordings into " + a.output());
        a.spark().stop();
    }
}
