package dev.gemmaspark.connector.sql;

import java.io.Serial;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Map;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The physical operator of {@link GemmaEval} (shown as {@code GemmaEval} in the Spark UI), with SQL metrics:
 * rows, rows with errors, engine calls, prompt and generated tokens, engine time, audio transcribed, rows and
 * tokens per second.
 */
// Catalyst trees and their Scala collections are serializable at run time, not by declared type
@SuppressWarnings("serial")
public final class GemmaEvalExec extends SparkPlan {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Seq<Expression> calls;
    private final Seq<Attribute> resultAttrs;
    private final SparkPlan child;
    private final Seq<SparkPlan> children;
    private transient GemmaMetrics gemmaMetrics;

    public GemmaEvalExec(Seq<Expression> calls, Seq<Attribute> resultAttrs, SparkPlan child) {
        this.calls = calls;
        this.resultAttrs = resultAttrs;
        this.child = child;
        this.children = Scala.seq(List.of(child));
    }

    public Seq<Expression> calls() {
        return calls;
    }

    public SparkPlan child() {
        return child;
    }

    private synchronized GemmaMetrics gemmaMetrics() {
        if (gemmaMetrics == null) {
            gemmaMetrics = new GemmaMetrics(sparkContext());
        }
        return gemmaMetrics;
    }

    @Override
    public Map<String, SQLMetric> metrics() {
        return Map.from(CollectionConverters.asScala(gemmaMetrics().byName()));
    }

    @Override
    public Seq<Attribute> output() {
        return Scala.concat(child.output(), resultAttrs);
    }

    @Override
    public AttributeSet producedAttributes() {
        return Scala.attributeSet(resultAttrs);
    }

    @Override
    public RDD<InternalRow> doExecute() {
        Broadcast<SerializableConfiguration> hadoopConf = JavaSparkContext.fromSparkContext(sparkContext())
                .broadcast(new SerializableConfiguration(session().sessionState().newHadoopConf()));
        var types = Scala.<Attribute>list(output()).stream().map(Attribute::dataType)
                .toArray(org.apache.spark.sql.types.DataType[]::new);
        var evaluator = new GemmaPartitionEvaluator(Scala.list(calls), child.output(), types, gemmaMetrics(), hadoopConf);
        return child.execute().toJavaRDD().mapPartitionsWithIndex(evaluator, false).rdd();
    }

    @Override
    public Seq<SparkPlan> children() {
        return children;
    }

    @Override
    public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
        return new GemmaEvalExec(calls, resultAttrs, newChildren.head());
    }

    @Override
    public int productArity() {
        return 3;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> calls;
            case 1 -> resultAttrs;
            case 2 -> child;
            default -> throw new IndexOutOfBoundsException(n);
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof GemmaEvalExec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GemmaEvalExec g && calls.equals(g.calls) && resultAttrs.equals(g.resultAttrs)
                && child.equals(g.child);
    }

    @Override
    public int hashCode() {
        return Objects.hash(calls, resultAttrs, child);
    }
}
