package dev.gemmaspark.connector.sql;

import java.io.Serial;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.execution.metric.SQLMetrics;

/** The SQL metrics of a {@link GemmaEvalExec}, created on the driver and updated by its tasks. */
final class GemmaMetrics implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The rows read from the child, a batch at a time: more than the rows out when a limit stops the reading. */
    final SQLMetric inputRows;
    final SQLMetric outputRows;
    /** The rows for which some call of the node returned an error. */
    final SQLMetric errorRows;
    final SQLMetric engineCalls;
    final SQLMetric promptTokens;
    /** Prompt tokens the engine copied from its prefix cache rather than computed (shared system prompts, ...). */
    final SQLMetric cachedPromptTokens;
    final SQLMetric generatedTokens;
    /** The time tasks took to get their model from the executor: a load, a wait for another task's load, or none. */
    final SQLMetric modelLoadTime;
    /** The time the engine ran the batches, model loads excluded. */
    final SQLMetric engineTime;
    /** The length of the recordings transcribed, beside engine time: the real-time factor. */
    final SQLMetric audioTime;
    final SQLMetric rowsPerSecond;
    final SQLMetric tokensPerSecond;

    GemmaMetrics(SparkContext sc) {
        inputRows = SQLMetrics.createMetric(sc, "number of input rows");
        outputRows = SQLMetrics.createMetric(sc, "number of output rows");
        errorRows = SQLMetrics.createMetric(sc, "rows with errors");
        engineCalls = SQLMetrics.createMetric(sc, "engine calls");
        promptTokens = SQLMetrics.createMetric(sc, "prompt tokens");
        cachedPromptTokens = SQLMetrics.createMetric(sc, "prompt tokens from the prefix cache");
        generatedTokens = SQLMetrics.createMetric(sc, "generated tokens");
        modelLoadTime = SQLMetrics.createNanoTimingMetric(sc, "model load time", -1);
        engineTime = SQLMetrics.createNanoTimingMetric(sc, "engine time", -1);
        audioTime = SQLMetrics.createTimingMetric(sc, "audio transcribed", -1);
        rowsPerSecond = SQLMetrics.createV2CustomMetric(sc, new RateMetric.RowsPerSecond());
        tokensPerSecond = SQLMetrics.createV2CustomMetric(sc, new RateMetric.TokensPerSecond());
    }

    /** By name, as the operator reports them. */
    Map<String, SQLMetric> byName() {
        Map<String, SQLMetric> m = new LinkedHashMap<>();
        m.put("numInputRows", inputRows);
        m.put("numOutputRows", outputRows);
        m.put("errorRows", errorRows);
        m.put("engineCalls", engineCalls);
        m.put("promptTokens", promptTokens);
        m.put("cachedPromptTokens", cachedPromptTokens);
        m.put("generatedTokens", generatedTokens);
        m.put("modelLoadTime", modelLoadTime);
        m.put("engineTime", engineTime);
        m.put("audioTime", audioTime);
        m.put("rowsPerSecond", rowsPerSecond);
        m.put("tokensPerSecond", tokensPerSecond);
        return m;
    }
}
