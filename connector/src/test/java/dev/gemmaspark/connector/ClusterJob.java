package dev.gemmaspark.connector;

import org.apache.spark.sql.SparkSession;

/**
 * The job {@link StandaloneClusterTest} submits with spark-submit: once both executors have registered, it
 * generates an answer for each of 8 prompts in 4 partitions and writes them as JSON to {@code args[0]}.
 */
public final class ClusterJob {
    private ClusterJob() {}

    public static void main(String[] args) throws InterruptedException {
        SparkSession spark = SparkSession.builder().getOrCreate();
        long deadline = System.nanoTime() + 120_000_000_000L;
        // the driver counts as one executor in the status tracker
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the two executors did not register within 120 s");
            }
            Thread.sleep(200);
        }
        spark.range(0, 8, 1, 4).selectExpr("id", "concat('Count to ', id) AS prompt")
                .createOrReplaceTempView("prompts");
        spark.sql("SELECT id, prompt, gemma_generate(prompt) AS answer FROM prompts").write().json(args[0]);
        spark.stop();
    }
}
