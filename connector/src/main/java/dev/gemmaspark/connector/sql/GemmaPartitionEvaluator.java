package dev.gemmaspark.connector.sql;

import dev.gemmaspark.connector.runtime.Inference;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.ResultColumn;
import dev.gemmaspark.connector.runtime.SharedModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.PartitionEvaluator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.MutableProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What one task of a {@link GemmaEvalExec} runs over its partition, created on the executor by
 * {@link GemmaEvaluatorFactory}. As Spark's ArrowEvalPythonExec does for Python UDFs, it reads up to a batch of
 * rows, writes each call's evaluated arguments into Arrow vectors, hands them to the executor's shared model
 * through {@link Inference}, reads the answers back from the result vectors and returns the rows with the answers
 * appended, in their order. The vectors come from one allocator per task, closed when the task ends.
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
        BufferAllocator allocator = Inference.allocator("GemmaEval partition " + partition);
        List<CallRunner> runners = new ArrayList<>();
        // a limit may leave the rows unread: the vectors of the last batch are freed here, and a leak fails the task
        TaskContext.get().addTaskCompletionListener(context -> {
            runners.forEach(CallRunner::close);
            allocator.close();
        });
        int batch = 1;
        for (Expression call : calls) {
            MutableProjection args = MutableProjection.create(call.children(), childOutput);
            args.initialize(partition);
            runners.add(new CallRunner(GemmaCalls.function(call), args, allocator));
            batch = Math.max(batch, GemmaCalls.function(call).settings().batchSize());
        }
        return CollectionConverters.asScala(new Batches(CollectionConverters.asJava(inputs.head()), runners, batch,
                partition));
    }

    /** One call of the node in one task: its arguments' vectors, its engine, and the answers of the batch. */
    private final class CallRunner {
        final GemmaFunction function;
        final MutableProjection args;
        final ArrowWriter input;
        final Inference inference;
        /** The vectors of the batch's answers that the function returns, and of their errors. */
        ColumnarBatch returned;
        ColumnVector errors;

        CallRunner(GemmaFunction function, MutableProjection args, BufferAllocator allocator) {
            this.function = function;
            this.args = args;
            this.input = Inference.writer(function.argumentStruct(), allocator);
            this.inference = new Inference(this::model, function.task(), function.settings(), function.name(),
                    allocator);
        }

        /**
         * The model, got once the first batch has a row to run. Getting it is timed apart from the engine's work:
         * it loads the model, or waits while another task of the executor loads it, or finds it loaded.
         */
        private SharedModel model() {
            long start = System.nanoTime();
            var model = ModelRegistry.acquire(ModelKey.of(function.settings()), hadoopConf);
            metrics.modelLoadTime.add(System.nanoTime() - start);
            return model;
        }

        /** Runs the call over {@code rows}; {@code names} names them. */
        VectorSchemaRoot run(List<InternalRow> rows, Inference.RowNames names) {
            input.reset();
            for (InternalRow row : rows) {
                input.write(args.apply(row));
            }
            input.finish();
            VectorSchemaRoot results = inference.run(input.root(), names);
            returned = new ColumnarBatch(function.returnedColumns().stream().map(c -> column(results, c))
                    .toArray(ColumnVector[]::new), rows.size());
            errors = column(results, ResultColumn.ERROR);
            return results;
        }

        Object value(int r) {
            return function.value(returned, !errors.isNullAt(r), r);
        }

        void close() {
            inference.close();
            input.root().close();
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
        private final GenericInternalRow answers;
        private final List<InternalRow> rows = new ArrayList<>();
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
            this.answers = new GenericInternalRow(runners.size());
        }

        @Override
        public boolean hasNext() {
            if (next < rows.size()) {
                return true;
            }
            rowsBefore += rows.size();
            rows.clear();
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

        /** The row with the answers of its calls, read from their result vectors and copied by the projection. */
        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = next++;
            for (int c = 0; c < runners.size(); c++) {
                answers.update(c, runners.get(c).value(i));
            }
            metrics.outputRows.add(1);
            return toUnsafe.apply(joined.apply(rows.get(i), answers));
        }

        private void runBatch() {
            boolean[] failed = new boolean[rows.size()];
            for (CallRunner runner : runners) {
                long callsBefore = runner.inference.engineCalls();
                long cachedBefore = runner.inference.cachedPromptTokens();
                long start = System.nanoTime();
                VectorSchemaRoot results = runner.run(rows, r -> "row " + (rowsBefore + r) + " of partition "
                        + partition);
                record(results, runner.inference.engineCalls() - callsBefore, System.nanoTime() - start);
                metrics.cachedPromptTokens.add(runner.inference.cachedPromptTokens() - cachedBefore);
                for (int r = 0; r < rows.size(); r++) {
                    failed[r] |= !runner.errors.isNullAt(r);
                }
            }
            for (boolean f : failed) {
                metrics.errorRows.add(f ? 1 : 0);
            }
            metrics.rowsPerSecond.set(RateMetric.taskValue(rowsBefore + rows.size(), engineNanos));
            metrics.tokensPerSecond.set(RateMetric.taskValue(tokensDone, engineNanos));
        }

        /** Adds a call's batch to the metrics, read from its result record: tokens and the audio transcribed. */
        private void record(VectorSchemaRoot results, long engineCalls, long nanos) {
            ColumnVector prompt = column(results, ResultColumn.PROMPT_TOKENS);
            ColumnVector output = column(results, ResultColumn.OUTPUT_TOKENS);
            ColumnVector audio = column(results, ResultColumn.AUDIO_SECONDS);
            ColumnVector errors = column(results, ResultColumn.ERROR);
            long promptTokens = 0;
            long generated = 0;
            double audioSeconds = 0;
            for (int r = 0; r < results.getRowCount(); r++) {
                promptTokens += prompt == null || prompt.isNullAt(r) ? 0 : prompt.getInt(r);
                generated += output == null || output.isNullAt(r) ? 0 : output.getInt(r);
                audioSeconds += audio == null || audio.isNullAt(r) || !errors.isNullAt(r) ? 0 : audio.getDouble(r);
            }
            metrics.audioTime.add(Math.round(audioSeconds * 1000));
            tokensDone += generated;
            engineNanos += nanos;
            metrics.promptTokens.add(promptTokens);
            metrics.generatedTokens.add(generated);
            metrics.engineCalls.add(engineCalls);
            metrics.engineTime.add(nanos);
        }
    }

    /** Column {@code column} of a task's result record, or null when the task's record has none. */
    private static ColumnVector column(VectorSchemaRoot results, ResultColumn column) {
        FieldVector v = results.getVector(column.column());
        return v == null ? null : new ArrowColumnVector(v);
    }
}
