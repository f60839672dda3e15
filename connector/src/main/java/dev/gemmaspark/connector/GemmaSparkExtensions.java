package dev.gemmaspark.connector;

import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.sql.ExtractGemmaCalls;
import dev.gemmaspark.connector.sql.GemmaCalls;
import dev.gemmaspark.connector.sql.GemmaFunction;
import dev.gemmaspark.connector.sql.GemmaStrategy;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Option;
import scala.Tuple3;
import scala.runtime.BoxedUnit;

/**
 * Turns Gemma on in a Spark session: {@code spark.sql.extensions=dev.gemmaspark.connector.GemmaSparkExtensions}
 * registers the {@code gemma_generate}, {@code gemma_summarize}, {@code gemma_classify}, {@code gemma_score}, {@code
 * gemma_transcribe} and {@code gemma_caption} SQL functions (each with a {@code _result} variant), the optimizer rule
 * that batches their calls, and the planner strategy of the batched operator.
 */
public final class GemmaSparkExtensions implements SparkSessionExtensionsProvider {

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        for (GemmaTask task : GemmaTask.values()) {
            for (boolean fullResult : new boolean[] {false, true}) {
                String name = GemmaFunction.sqlName(task, fullResult);
                ExpressionInfo info = new ExpressionInfo(GemmaSparkExtensions.class.getName(), null, name,
                        GemmaCalls.usage(task, fullResult), "", "", "", "", "", "", "");
                extensions.injectFunction(new Tuple3<>(new FunctionIdentifier(name, Option.empty(), Option.empty()),
                        info, GemmaCalls.builder(task, fullResult)));
            }
        }
        extensions.injectPreCBORule(ExtractGemmaCalls::new);
        extensions.injectPlannerStrategy(session -> new GemmaStrategy());
        return BoxedUnit.UNIT;
    }
}
