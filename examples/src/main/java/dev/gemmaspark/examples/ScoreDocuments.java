package dev.gemmaspark.examples;

import org.apache.spark.sql.SaveMode;

/** Scores every document (log-likelihood, tokens, perplexity) and writes the scores as CSV: a spark-submit job. */
public final class ScoreDocuments {
    private ScoreDocuments() {}

    public static void main(String[] args) {
        ExampleArgs a = ExampleArgs.parse("ScoreDocuments", args, "examples/data/docs.jsonl", "target/scores");
        a.spark().read().json(a.input()).createOrReplaceTempView("docs");
        a.spark().sql("""
                SELECT id, lang, s.log_likelihood, s.tokens, s.perplexity
                FROM (SELECT id, lang, gemma_score(body) AS s FROM docs)
                """).coalesce(1).write().mode(SaveMode.Overwrite).option("header", "true").csv(a.output());
        System.out.println("scored documents into " + a.output());
        a.spark().stop();
    }
}
