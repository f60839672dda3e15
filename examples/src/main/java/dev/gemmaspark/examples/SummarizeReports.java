package dev.gemmaspark.examples;

import org.apache.spark.sql.SaveMode;

/** Reads a folder of text files with the gemma data source, one summary per file, and writes them to Parquet. */
public final class SummarizeReports {
    private SummarizeReports() {}

    public static void main(String[] args) {
        ExampleArgs a = ExampleArgs.parse("SummarizeReports", args, "examples/data/reports/*.txt", "target/reports");
        a.spark().read().format("gemma").option("task", "summarize").option("maxWords", "25").load(a.input())
                .write().mode(SaveMode.Overwrite).parquet(a.output());
        a.spark().read().parquet(a.output()).select("path", "text", "error").show(10, 80);
        a.spark().stop();
    }
}
