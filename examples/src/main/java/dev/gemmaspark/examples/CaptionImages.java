package dev.gemmaspark.examples;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Captions a folder of images (PNG, JPEG, BMP or GIF) with the gemma data source, one row per file, in at most 20
 * words each, and writes {@code path, text, prompt_tokens, output_tokens, finish_reason, error} to Parquet. The
 * model needs its vision projector: {@code --mmproj}, {@code GEMMA_MMPROJ} or {@code spark.gemma.mmproj}.
 */
public final class CaptionImages {
    private CaptionImages() {}

    public static void main(String[] args) {
        ExampleArgs a = ExampleArgs.parse("CaptionImages", args, "examples/data/images/*.png", "target/captions");
        Dataset<Row> captions = a.spark().read().format("gemma").option("task", "caption").option("maxWords", "20")
                .load(a.input());
        captions.write().mode(SaveMode.Overwrite).parquet(a.output());
        Dataset<Row> written = a.spark().read().parquet(a.output()).orderBy("path");
        written.select("path", "text", "error").show(10, 80);
        System.out.println("captioned " + written.count() + " images into " + a.output());
        a.spark().stop();
    }
}
