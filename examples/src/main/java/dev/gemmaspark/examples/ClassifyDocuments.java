package dev.gemmaspark.examples;

import org.apache.spark.sql.Row;

/** Classifies the labelled English documents into topics and prints how many labels the model got right. */
public final class ClassifyDocuments {
    private ClassifyDocuments() {}

    public static void main(String[] args) {
        ExampleArgs a = ExampleArgs.parse("ClassifyDocuments", args, "examples/data/docs.jsonl", null);
        a.spark().read().json(a.input()).createOrReplaceTempView("docs");
        Row r = a.spark().sql("""
                SELECT count(*) AS n, count_if(predicted = label) AS correct
                FROM (SELECT label, gemma_classify(body, array('sports', 'business', 'science', 'technology'))
                      AS predicted FROM docs WHERE lang = 'en' AND label IS NOT NULL)
                """).first();
        System.out.println("classified " + r.getLong(0) + " labelled documents, " + r.getLong(1) + " correctly");
        a.spark().stop();
    }
}
