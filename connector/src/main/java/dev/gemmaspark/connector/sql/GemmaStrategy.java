package dev.gemmaspark.connector.sql;

import java.util.List;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import scala.collection.immutable.Seq;

/** Plans a {@link GemmaEval} as a {@link GemmaEvalExec}. */
public final class GemmaStrategy extends SparkStrategy {
    @Override
    public Seq<SparkPlan> apply(LogicalPlan plan) {
        if (plan instanceof GemmaEval e) {
            return Scala.seq(List.of(new GemmaEvalExec(e.calls(), e.resultAttrs(), planLater(e.child()))));
        }
        return Scala.seq(List.of());
    }
}
