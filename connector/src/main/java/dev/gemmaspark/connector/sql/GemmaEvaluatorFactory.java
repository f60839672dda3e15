package dev.gemmaspark.connector.sql;

import java.io.Serial;
import java.util.List;
import org.apache.spark.PartitionEvaluator;
import org.apache.spark.PartitionEvaluatorFactory;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.immutable.Seq;

/**
 * What a {@link GemmaEvalExec} sends to its tasks, as Spark's own operators do with
 * {@code RDD.mapPartitionsWithEvaluator} (see {@code ProjectEvaluatorFactory} and {@code FilterEvaluatorFactory}
 * in org.apache.spark.sql.execution): the factory is serialized once with the stage, and each task creates its
 * {@link GemmaPartitionEvaluator} on the executor.
 */
// Catalyst trees and their Scala collections are serializable at run time, not by declared type
@SuppressWarnings("serial")
final class GemmaEvaluatorFactory implements PartitionEvaluatorFactory<InternalRow, InternalRow> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final List<Expression> calls;
    private final Seq<Attribute> childOutput;
    private final DataType[] outputTypes;
    private final GemmaMetrics metrics;
    private final Broadcast<SerializableConfiguration> hadoopConf;

    /**
     * @param calls       the node's gemma calls, resolved
     * @param childOutput the columns of the input rows, which the calls' arguments read
     * @param outputTypes the types of the output columns: the input's, then one per call
     * @param metrics     the node's SQL metrics
     * @param hadoopConf  the configuration that reads a remote model file
     */
    GemmaEvaluatorFactory(List<Expression> calls, Seq<Attribute> childOutput, DataType[] outputTypes,
                          GemmaMetrics metrics, Broadcast<SerializableConfiguration> hadoopConf) {
        this.calls = List.copyOf(calls);
        this.childOutput = childOutput;
        this.outputTypes = outputTypes.clone();
        this.metrics = metrics;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public PartitionEvaluator<InternalRow, InternalRow> createEvaluator() {
        return new GemmaPartitionEvaluator(calls, childOutput, outputTypes, metrics, hadoopConf.value().value());
    }
}
