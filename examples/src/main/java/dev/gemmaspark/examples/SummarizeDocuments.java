package dev.gemmaspark.examples;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Summarizes the English documents of a JSON-lines table in Spark SQL and writes {@code id, summary,
 * output_tokens, finish_reason, error} to Parquet.
 */
public final class SummarizeDocuments {
    private SummarizeDocuments() {}

    public static void main(String[] args) {
        ExampleArgs a = ExampleArgs.parse("SummarizeDocuments", args, "examples/data/docs.jsonl", "target/summaries");
        a.spark().read().json(a.input()).createOrReplaceTempView("docs");
        Dataset<Row> summaries = a.spark().sql("""
                SELECT id, r.text AS summary, r.output_tokens, r.finish_reason, r.error
                FROM (SELECT id, gemma_summarize_result(body, 30) AS r FROM docs WHERE lang = 'en')
                """);
        summaries.write().mode(SaveMode.Overwrite).parquet(a.output());
        Dataset<Row> written = a.spark().read().parquet(a.output()).orderBy("id");
        written.show(5, 80);
        System.out.println("summarized " + written.count() + " documents into " + a.output());
        a.spark().stop();
    }
}
