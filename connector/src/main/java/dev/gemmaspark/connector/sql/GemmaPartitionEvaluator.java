package dev.gemmaspark.connector.sql;

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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.PartitionEvaluator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.MutableProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.types.DataType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What one task of a {@link GemmaEvalExec} runs over its partition, created on the executor by
 * {@link GemmaEvaluatorFactory}: it reads up to a batch of rows, evaluates each call's arguments, hands the
 * batch to the executor's shared model, and returns the rows with the answers appended, in their order.
 */
final class GemmaPartitionEvaluator implements PartitionEvaluator<InternalRow, InternalRow> {
    private final List<Expression> calls;
    private final Seq<Attribute> childOutput;
    private final DataType[] outputTypes;
    private final GemmaMetrics metrics;
    private final Configuration hadoopConf;

    GemmaPartitionEvaluator(List<Expression> calls, Seq<Attribute> childOutput, DataType[] outputTypes,
                            GemmaMetrics metrics, Configuration hadoopConf) {
        this.calls = calls;
        this.childOutput = childOutput;
        this.outputTypes = outputTypes;
        this.metrics = metrics;
        this.hadoopConf = hadoopConf;
    }

    /** The output rows of partition {@code partition}, whose rows are the one iterator of {@code inputs}. */
    @Override
    public scala.collection.Iterator<InternalRow> eval(int partition, Seq<scala.collection.Iterator<InternalRow>> inputs) {
        List<CallRunner> runners = new ArrayList<>();
        int batch = 1;
        for (Expression call : calls) {
            MutableProjection args = MutableProjection.create(call.children(), childOutput);
            args.initialize(partition);
            runners.add(new CallRunner(GemmaCalls.function(call), args));
            batch = Math.max(batch, GemmaCalls.function(call).settings().batchSize());
        }
        return CollectionConverters.asScala(new Batches(CollectionConverters.asJava(inputs.head()), runners, batch,
                partition));
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

        /**
         * The engine of this call in this task. Getting the model the first time is timed apart from the engine's
         * work: it loads the model, or waits while another task of the executor loads it, or finds it loaded.
         */
        Inference inference() {
            if (inference == null) {
                long start = System.nanoTime();
                var model = ModelRegistry.acquire(ModelKey.of(function.settings()), hadoopConf);
                metrics.modelLoadTime.add(System.nanoTime() - start);
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
        /** The rows of the partition before the current batch. */
        private long rowsBefore;
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
            rowsBefore += rows.size();
            rows.clear();
            answers.clear();
            next = 0;
            while (rows.size() < batchSize && input.hasNext()) {
                rows.add(input.next().copy());
            }
            if (rows.isEmpty()) {
                return false;
            }
            metrics.inputRows.add(rows.size());
            runBatch();
            return true;
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = next++;
            metrics.outputRows.add(1);
            return toUnsafe.apply(joined.apply(rows.get(i), answers.get(i)));
        }

        private void runBatch() {
            Object[][] values = new Object[rows.size()][runners.size()];
            boolean[] failed = new boolean[rows.size()];
            for (int c = 0; c < runners.size(); c++) {
                CallRunner runner = runners.get(c);
                List<TaskInput> inputs = new ArrayList<>(rows.size());
                for (int r = 0; r < rows.size(); r++) {
                    inputs.add(runner.function.input(runner.args.apply(rows.get(r)), rowName(r)));
                }
                Inference inference = runner.inference();
                long callsBefore = inference.engineCalls();
                long start = System.nanoTime();
                List<RowResult> results = inference.run(inputs);
                long nanos = System.nanoTime() - start;
                record(results, inference.engineCalls() - callsBefore, nanos);
                for (int r = 0; r < results.size(); r++) {
                    RowResult result = results.get(r);
                    failed[r] |= result.isError();
                    if (result.isError() && runner.function.settings().failOnError()) {
                        throw new RowFailedException(runner.function.name(), rowName(r) + " (input "
                                + inputs.get(r).excerpt() + ")", result.error());
                    }
                    values[r][c] = runner.function.toCatalyst(result);
                }
            }
            for (int r = 0; r < rows.size(); r++) {
                answers.add(new GenericInternalRow(values[r]));
                metrics.errorRows.add(failed[r] ? 1 : 0);
            }
            metrics.rowsPerSecond.set(RateMetric.taskValue(rowsBefore + rows.size(), engineNanos));
            metrics.tokensPerSecond.set(RateMetric.taskValue(tokensDone, engineNanos));
        }

        /** Names the {@code r}-th row of the current batch: its position in the partition. */
        private String rowName(int r) {
            return "row " + (rowsBefore + r) + " of partition " + partition;
        }

        private void record(List<RowResult> results, long engineCalls, long nanos) {
            long prompt = 0;
            long generated = 0;
            double audioSeconds = 0;
            for (RowResult r : results) {
                prompt += r.promptTokens() == null ? 0 : r.promptTokens();
                generated += r.outputTokens() == null ? 0 : r.outputTokens();
                audioSeconds += r.audioSeconds() == null || r.isError() ? 0 : r.audioSeconds();
            }
            metrics.audioTime.add(Math.round(audioSeconds * 1000));
            tokensDone += generated;
            engineNanos += nanos;
            metrics.promptTokens.add(prompt);
            metrics.generatedTokens.add(generated);
            metrics.engineCalls.add(engineCalls);
            metrics.engineTime.add(nanos);
        }
    }
}
