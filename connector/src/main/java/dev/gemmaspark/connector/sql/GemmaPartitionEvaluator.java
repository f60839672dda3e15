package dev.gemmaspark.connector.sql;

import java.io.Serial;
import dev.gemmaspark.connector.runtime.Inference;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.RowFailedException;
import dev.gemmaspark.connector.runtime.RowResult;
import dev.gemmaspark.connector.runtime.TaskInput;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.MutableProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.util.SerializableConfiguration;
import scala.collection.immutable.Seq;

/**
 * What one task of a {@link GemmaEvalExec} runs over its partition: it reads up to a batch of rows,
 * evaluates each call's arguments, hands the batch to the executor's shared model, and returns the rows
 * with the answers appended, in their order.
 */
// Catalyst trees and their Scala collections are serializable at run time, not by declared type
@SuppressWarnings("serial")
final class GemmaPartitionEvaluator implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final List<Expression> calls;
    private final Seq<Attribute> childOutput;
    private final DataType[] outputTypes;
    private final GemmaMetrics metrics;
    private final Broadcast<SerializableConfiguration> hadoopConf;

    GemmaPartitionEvaluator(List<Expression> calls, Seq<Attribute> childOutput, DataType[] outputTypes,
                            GemmaMetrics metrics, Broadcast<SerializableConfiguration> hadoopConf) {
        this.calls = calls;
        this.childOutput = childOutput;
        this.outputTypes = outputTypes;
        this.metrics = metrics;
        this.hadoopConf = hadoopConf;
    }

    @Override
    public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
        List<CallRunner> runners = new ArrayList<>();
        int batch = 1;
        for (Expression call : calls) {
            MutableProjection args = MutableProjection.create(call.children(), childOutput);
            args.initialize(partition);
            runners.add(new CallRunner(GemmaCalls.function(call), args));
            batch = Math.max(batch, GemmaCalls.function(call).settings().batchSize());
        }
        return new Batches(rows, runners, batch, partition);
    }

    /** One call of the node in one task: its argument projection and, once needed, its engine. */
    private final class CallRunner {
        final GemmaFunction function;
        final MutableProjection args;
        Inference inference;

        CallRunner(GemmaFunction function, MutableProjection args) {
            this.function = function;
            this.args = args;
        }

        Inference inference() {
            if (inference == null) {
                var model = ModelRegistry.acquire(ModelKey.of(function.settings()), hadoopConf.value().value());
                inference = new Inference(model, function.task(), function.settings());
            }
            return inference;
        }
    }

    /** The output rows, computed a batch of input rows at a time. */
    private final class Batches implements Iterator<InternalRow> {
        private final Iterator<InternalRow> input;
        private final List<CallRunner> runners;
        private final int batchSize;
        private final int partition;
        private final UnsafeProjection toUnsafe = UnsafeProjection.create(outputTypes);
        private final JoinedRow joined = new JoinedRow();
        private final List<InternalRow> rows = new ArrayList<>();
        private final List<InternalRow> answers = new ArrayList<>();
        private int next;
        private long rowsRead;
        private long rowsDone;
        private long tokensDone;
        private long engineNanos;

        Batches(Iterator<InternalRow> input, List<CallRunner> runners, int batchSize, int partition) {
            this.input = input;
            this.runners = runners;
            this.batchSize = batchSize;
            this.partition = partition;
        }

        @Override
        public boolean hasNext() {
            if (next < rows.size()) {
                return true;
            }
            rows.clear();
            answers.clear();
            next = 0;
            while (rows.size() < batchSize && input.hasNext()) {
                rows.add(input.next().copy());
            }
            if (rows.isEmpty()) {
                return false;
            }
            runBatch();
            return true;
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = next++;
            return toUnsafe.apply(joined.apply(rows.get(i), answers.get(i)));
        }

        private void runBatch() {
            Object[][] values = new Object[rows.size()][runners.size()];
            for (int c = 0; c < runners.size(); c++) {
                CallRunner runner = runners.get(c);
                List<TaskInput> inputs = new ArrayList<>(rows.size());
                for (int r = 0; r < rows.size(); r++) {
                    inputs.add(runner.function.input(runner.args.apply(rows.get(r)), rowName(r)));
                }
                long start = System.nanoTime();
                Inference inference = runner.inference();
                long callsBefore = inference.engineCalls();
                List<RowResult> results = inference.run(inputs);
                long nanos = System.nanoTime() - start;
                record(results, inference.engineCalls() - callsBefore, nanos);
                for (int r = 0; r < results.size(); r++) {
                    RowResult result = results.get(r);
                    if (result.isError() && runner.function.settings().failOnError()) {
                        throw new RowFailedException(runner.function.name(), rowName(r) + " (input "
                                + inputs.get(r).excerpt() + ")", result.error());
                    }
                    values[r][c] = runner.function.toCatalyst(result);
                }
            }
            for (Object[] v : values) {
                answers.add(new GenericInternalRow(v));
            }
            rowsRead += rows.size();
            rowsDone += rows.size();
            metrics.rows.add(rows.size());
            metrics.rowsPerSecond.set(RateMetric.taskValue(rowsDone, engineNanos));
            metrics.tokensPerSecond.set(RateMetric.taskValue(tokensDone, engineNanos));
        }

        /** Names the {@code r}-th row of the current batch: its position in the partition. */
        private String rowName(int r) {
            return "row " + (rowsRead + r) + " of partition " + partition;
        }

        private void record(List<RowResult> results, long engineCalls, long nanos) {
            long prompt = 0;
            long generated = 0;
            long errors = 0;
            double audioSeconds = 0;
            for (RowResult r : results) {
                prompt += r.promptTokens() == null ? 0 : r.promptTokens();
                generated += r.outputTokens() == null ? 0 : r.outputTokens();
                errors += r.isError() ? 1 : 0;
                audioSeconds += r.audioSeconds() == null || r.isError() ? 0 : r.audioSeconds();
            }
            metrics.audioTime.add(Math.round(audioSeconds * 1000));
            tokensDone += generated;
            engineNanos += nanos;
            metrics.promptTokens.add(prompt);
            metrics.generatedTokens.add(generated);
            metrics.errorRows.add(errors);
            metrics.engineCalls.add(engineCalls);
            metrics.engineTime.add(nanos);
        }
    }
}
