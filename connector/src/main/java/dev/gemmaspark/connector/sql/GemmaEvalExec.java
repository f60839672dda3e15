package dev.gemmaspark.connector.sql;

import java.io.Serial;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Map;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;

/**
 * The physical operator of {@link GemmaEval} (shown as {@code GemmaEval} in the Spark UI), with SQL metrics
 * ({@link GemmaMetrics}): input and output rows, rows with errors, engine calls, prompt and generated tokens,
 * model load time, engine time, audio transcribed, rows and tokens per second.
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

    /**
     * Checks the model files on the driver, then evaluates the partitions with a {@link GemmaEvaluatorFactory}.
     * The check is here, when the query runs, and not in the optimizer rule, so that planning ({@code EXPLAIN})
     * opens no file; a bad file still fails the query before any of its tasks starts.
     */
    @Override
    public RDD<InternalRow> doExecute() {
        Configuration conf = session().sessionState().newHadoopConf();
        checkModelFiles(conf);
        Broadcast<SerializableConfiguration> hadoopConf = JavaSparkContext.fromSparkContext(sparkContext())
                .broadcast(new SerializableConfiguration(conf));
        DataType[] types = Scala.<Attribute>list(output()).stream().map(Attribute::dataType).toArray(DataType[]::new);
        var factory = new GemmaEvaluatorFactory(Scala.list(calls), child.output(), types, gemmaMetrics(), hadoopConf);
        return child.execute().mapPartitionsWithEvaluator(factory, false, ClassTag.apply(InternalRow.class));
    }

    /** Checks the model files of the calls, each distinct file with its options once. */
    private void checkModelFiles(Configuration conf) {
        Set<GemmaFunction.ModelFiles> checked = new HashSet<>();
        for (Expression call : Scala.<Expression>list(calls)) {
            GemmaFunction function = GemmaCalls.function(call);
            if (checked.add(function.modelFiles())) {
                function.checkModelFiles(conf);
            }
        }
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
