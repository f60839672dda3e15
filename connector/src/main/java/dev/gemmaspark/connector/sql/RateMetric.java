package dev.gemmaspark.connector.sql;

import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.sql.connector.metric.CustomMetric;

/**
 * A per-second rate shown in the Spark UI: each task reports its own rate (in thousandths per second,
 * the metric values are longs), and the UI shows their mean and maximum over the tasks.
 */
public abstract class RateMetric implements CustomMetric {
    private final String name;
    private final String description;

    RateMetric(String name, String description) {
        this.name = name;
        this.description = description;
    }

    /** The value a task reports for {@code count} items in {@code nanos} nanoseconds. */
    public static long taskValue(long count, long nanos) {
        return nanos <= 0 ? 0 : Math.round(count * 1e12 / nanos);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String aggregateTaskMetrics(long[] taskMetrics) {
        long[] reported = Arrays.stream(taskMetrics).filter(v -> v > 0).toArray();
        if (reported.length == 0) {
            return "0";
        }
        double mean = Arrays.stream(reported).average().orElse(0) / 1000.0;
        double max = Arrays.stream(reported).max().orElse(0) / 1000.0;
        return String.format(Locale.ROOT, "%.1f/s mean of %d tasks (max %.1f/s)", mean, reported.length, max);
    }

    /** Rows answered per second of engine time. */
    public static final class RowsPerSecond extends RateMetric {
        public RowsPerSecond() {
            super("rowsPerSecond", "rows per second");
        }
    }

    /** Generated tokens per second of engine time. */
    public static final class TokensPerSecond extends RateMetric {
        public TokensPerSecond() {
            super("tokensPerSecond", "generated tokens per second");
        }
    }
}
