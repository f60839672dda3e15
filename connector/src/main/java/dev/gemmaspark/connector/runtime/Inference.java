package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.PromptTooLongException;
import dev.gemmaspark.engine.Requests;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.audio.decode.AudioFormatException;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.vision.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The one way rows reach the engine: a task's rows come in as an Arrow batch of {@link InputColumn}s and their
 * results go out as Arrow vectors of the task's {@link ResultColumn}s, as Spark's ArrowEvalPythonExec hands its
 * batches to Python. The rows are run on a shared model in chunks of {@code batchSize} rows that each make one
 * engine call: every row of a chunk is queued in the engine's scheduler at once (a classify row as one request
 * that shares its prompt among the labels), and recordings are decoded and transcribed together, as are the
 * images of a chunk's rows, which go through the vision tower in one pass. A row that is invalid (undecodable
 * audio or images included) or whose request fails gets an error result; the others go on, unless
 * {@code failOnError} is set.
 */
public final class Inference implements AutoCloseable {
    private final Supplier<SharedModel> modelSource;
    private final GemmaTask task;
    private final GemmaSettings settings;
    /** What runs the rows, for the message of a task failed by a row: {@code gemma_generate}, say. */
    private final String what;
    /** The results of the last batch, in vectors that each batch reuses. */
    private final ArrowWriter output;
    /** The Spark task this runs in, or null outside one. */
    private final TaskContext taskContext;
    private final BooleanSupplier cancelled;
    private SharedModel model;
    private long engineCalls;
    private long cachedPromptTokens;

    /** What a caller calls the rows of its batches in messages. */
    public interface RowNames {
        /** Row {@code row} of the batch as the errors about its audio name it: a file's path, say. */
        String name(int row);

        /** Row {@code row} in the message of a task that failed on it; {@code input} is an excerpt of its input. */
        default String failed(int row, String input) {
            return name(row) + " (input " + input + ")";
        }
    }

    /**
     * Called on the task's thread: a kill of that task cancels the rows it has in the engine.
     *
     * @param model     the executor's shared model, got when a batch first has a row to run
     * @param what      what runs the rows, in the message of a task failed by a row ({@code failOnError})
     * @param allocator the task's Arrow memory, where the result vectors live until {@link #close}
     */
    public Inference(Supplier<SharedModel> model, GemmaTask task, GemmaSettings settings, String what,
                     BufferAllocator allocator) {
        this.modelSource = model;
        this.task = task;
        this.settings = settings;
        this.what = what;
        this.output = writer(ResultColumn.struct(ResultColumn.record(task)), allocator);
        this.taskContext = TaskContext.get();
        this.cancelled = taskContext == null ? () -> false : taskContext::isInterrupted;
    }

    /**
     * Arrow memory for one task: a child of Spark's root allocator, as Spark's Arrow Python runners take theirs
     * (PythonArrowInput in org.apache.spark.sql.execution.python), which the task closes when it ends. Closing it
     * with vectors still open fails.
     */
    public static BufferAllocator allocator(String name) {
        return ArrowUtils.rootAllocator().newChildAllocator(name, 0, Long.MAX_VALUE);
    }

    /**
     * Spark's writer of rows with {@code schema} into new Arrow vectors from {@code allocator}, which the caller
     * closes with {@code writer.root().close()}. Strings and binaries are the Large Arrow types: a batch of files
     * of up to 1 GiB each does not fit the 2 GiB of a plain vector.
     */
    public static ArrowWriter writer(StructType schema, BufferAllocator allocator) {
        // the time zone only applies to timestamps, which no column has
        return ArrowWriter.create(VectorSchemaRoot.create(ArrowUtils.toArrowSchema(schema, "UTC", true, true),
                allocator));
    }

    /** How many times this object has called the engine (generation and transcription batches, score calls). */
    public long engineCalls() {
        return engineCalls;
    }

    /** Prompt tokens of this object's requests that the engine copied from its prefix cache instead of computing. */
    public long cachedPromptTokens() {
        return cachedPromptTokens;
    }

    /**
     * The results of the rows of {@code input}, in their order: vectors of the task's {@link ResultColumn}s,
     * valid until the next call or {@link #close}. Fails with {@link RowFailedException} on the first failed row
     * when {@code failOnError} is set.
     */
    public VectorSchemaRoot run(VectorSchemaRoot input, RowNames names) {
        List<TaskInput> inputs = new ArrayList<>(input.getRowCount());
        for (int i = 0; i < input.getRowCount(); i++) {
            inputs.add(new TaskInput(input, i, names));
        }
        RowResult[] rows = new RowResult[inputs.size()];
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String problem = problem(inputs.get(i));
            if (problem != null) {
                rows[i] = RowResult.failed(problem);
            } else {
                valid.add(i);
            }
        }
        if (task == GemmaTask.TRANSCRIBE) {
            transcribe(inputs, valid, rows);
        } else {
            List<Integer> text = new ArrayList<>();
            List<Integer> images = new ArrayList<>();
            for (int i : valid) {
                (task.takesImages() && inputs.get(i).hasImage() ? images : text).add(i);
            }
            runText(inputs, text, rows);
            runImages(inputs, images, rows);
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].isError() && settings.failOnError()) {
                throw new RowFailedException(what, names.failed(i, inputs.get(i).excerpt()), rows[i].error());
            }
        }
        return write(rows);
    }

    private VectorSchemaRoot write(RowResult[] rows) {
        List<ResultColumn> columns = ResultColumn.record(task);
        output.reset();
        for (RowResult r : rows) {
            Object[] values = new Object[columns.size()];
            for (int c = 0; c < values.length; c++) {
                Object v = columns.get(c).valueOf(r);
                values[c] = v instanceof String s ? UTF8String.fromString(s) : v;
            }
            output.write(new GenericInternalRow(values));
        }
        output.finish();
        return output.root();
    }

    /** Frees the result vectors. */
    @Override
    public void close() {
        output.root().close();
    }

    /** The executor's shared model, got on first use: a batch none of whose rows can run needs none. */
    private SharedModel model() {
        if (model == null) {
            model = modelSource.get();
        }
        return model;
    }

    /** Why a row cannot be run, or null. */
    private String problem(TaskInput in) {
        if (in.error() != null) {
            return in.error();
        }
        if (task.readsAudio()) {
            long bytes = in.audioLength();
            return bytes < 0 ? "input is null" : bytes == 0 ? "input is empty" : null;
        }
        Integer maxWords = in.maxWords();
        if ((task == GemmaTask.SUMMARIZE || task == GemmaTask.CAPTION) && maxWords != null && maxWords <= 0) {
            return "max_words must be > 0, got " + maxWords;
        }
        if (task == GemmaTask.CAPTION) {
            return in.hasImage() ? null : "input is null";
        }
        String text = in.text();
        if (text == null) {
            return "input is null";
        }
        if (text.isBlank() && !(task.takesImages() && in.hasImage())) {
            return "input is empty";
        }
        if (task == GemmaTask.CLASSIFY) {
            List<String> labels = in.labels();
            if (labels == null || labels.isEmpty()) {
                return "no labels to classify into";
            }
            for (int l = 0; l < labels.size(); l++) {
                String label = labels.get(l);
                if (label == null || label.isEmpty()) {
                    return "label #" + (l + 1) + " is null or empty";
                }
            }
        }
        return null;
    }

    /** A row's request queued in the engine, and how its answer becomes the row's result. */
    private record Pending(int row, CompletableFuture<?> engine, Function<Object, RowResult> toRow) {}

    /**
     * Queues each batch's rows in the engine, where generation, scoring and classification all batch together in
     * one scheduler, then waits for them. A row refused at submission (too long, bad tokens) gets its error there.
     */
    private void runText(List<TaskInput> inputs, List<Integer> rows, RowResult[] results) {
        for (int start = 0; start < rows.size(); start += settings.batchSize()) {
            failIfChanged();
            List<Pending> pending = new ArrayList<>();
            for (int i : rows.subList(start, Math.min(rows.size(), start + settings.batchSize()))) {
                try {
                    pending.add(submit(i, inputs.get(i)));
                } catch (PromptTooLongException e) {
                    results[i] = RowResult.failed(e.getMessage() + " (option contextLength" + (task.generates()
                            ? "; option truncate=true keeps the head of the text instead)" : ")"));
                } catch (RuntimeException e) {
                    results[i] = RowResult.failed(String.valueOf(e.getMessage()));
                }
            }
            if (pending.isEmpty()) {
                continue;
            }
            engineCalls++;
            model().recordBatch(pending.size());
            List<Object> answers;
            try {
                answers = Requests.awaitAll(pending.stream().map(p -> (CompletableFuture<Object>) p.engine()).toList(),
                        cancelled, e -> e);
            } catch (CancellationException e) {
                throw killed(e);
            }
            failIfBroken();
            for (int k = 0; k < pending.size(); k++) {
                Object answer = answers.get(k);
                cachedPromptTokens += switch (answer) {
                    case GenerationResult g -> g.cachedPromptTokens();
                    case ScoreResult s -> s.cachedPromptTokens();
                    case List<?> labels when !labels.isEmpty() -> ((ScoreResult) labels.getFirst()).cachedPromptTokens();
                    default -> 0;
                };
                results[pending.get(k).row()] = answer instanceof Throwable e
                        ? RowResult.failed("inference failed: " + e.getMessage())
                        : pending.get(k).toRow().apply(answer);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Pending submit(int row, TaskInput in) {
        return switch (task) {
            case GENERATE, SUMMARIZE -> new Pending(row, model().submit(request(in, null)),
                    r -> fromGeneration((GenerationResult) r));
            case SCORE -> new Pending(row, model().submitScore(in.context(), in.text(), settings.parseSpecial()),
                    r -> fromScore((ScoreResult) r));
            case CLASSIFY -> {
                List<String> labels = in.labels();
                List<ChatMessage> messages = Prompts.conversation(settings.systemPrompt(),
                        Prompts.classify(in.text(), labels));
                var scores = model().submitClassify(messages, labels, settings.parseSpecial());
                int promptTokens = model().chatTokenCount(messages, settings.parseSpecial());
                yield new Pending(row, scores, r -> bestLabel(labels, (List<ScoreResult>) r, promptTokens));
            }
            case TRANSCRIBE, CAPTION -> throw new IllegalStateException("transcription and image rows are decoded and"
                    + " run in batches");
        };
    }

    /** The generation of a row, with {@code image} (null: none) where the prompt has its marker, or first. */
    private GenerationRequest request(TaskInput in, RgbImage image) {
        String user = switch (task) {
            case SUMMARIZE -> Prompts.summarize(in.text(), in.maxWords());
            case CAPTION -> Prompts.caption(in.maxWords());
            default -> in.text();
        };
        List<ChatMessage> messages = Prompts.conversation(settings.systemPrompt(), user);
        long seed = settings.temperature() == 0f ? settings.seed()
                : RowSeeds.derive(settings.seed(), messages.toString(), image == null ? new byte[0] : image.rgb());
        GenerationRequest request = GenerationRequest.chat(messages, settings.sampling(seed))
                .withParseSpecial(settings.parseSpecial()).withTruncate(settings.truncate());
        return image == null ? request : request.withImages(List.of(image));
    }

    /**
     * Decodes the images of each batch's rows and generates for them in one engine call, which runs all their
     * images through the vision tower together. Without a vision projector ({@code mmproj}) every image row gets
     * an error naming the row and the option, and no model is loaded for them.
     */
    private void runImages(List<TaskInput> inputs, List<Integer> rows, RowResult[] results) {
        if (rows.isEmpty()) {
            return;
        }
        if (settings.mmproj() == null) {
            for (int i : rows) {
                results[i] = RowResult.failed(inputs.get(i).name() + ": the model has no vision projector: set "
                        + "spark.gemma.mmproj (option mmproj) to the mmproj GGUF file that comes with the model");
            }
            return;
        }
        int size = model().engine().imageSize();
        for (int start = 0; start < rows.size(); start += settings.batchSize()) {
            List<Integer> decoded = new ArrayList<>();
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i : rows.subList(start, Math.min(rows.size(), start + settings.batchSize()))) {
                TaskInput in = inputs.get(i);
                try {
                    requests.add(request(in, in.image(size)));
                    decoded.add(i);
                } catch (IllegalArgumentException e) {
                    results[i] = RowResult.failed(in.name() + ": " + e.getMessage());
                }
            }
            if (decoded.isEmpty()) {
                continue;
            }
            failIfChanged();
            List<GenerationResult> answers;
            engineCalls++;
            try {
                answers = model().generateAll(requests, cancelled);
            } catch (CancellationException e) {
                throw killed(e);
            }
            failIfBroken();
            for (int k = 0; k < decoded.size(); k++) {
                GenerationResult answer = answers.get(k);
                cachedPromptTokens += answer.cachedPromptTokens();
                results[decoded.get(k)] = answer.error() == null ? fromGeneration(answer)
                        : RowResult.failed(inputs.get(decoded.get(k)).name() + ": " + answer.error());
            }
        }
    }

    private static RowResult fromGeneration(GenerationResult r) {
        if (r.error() != null) {
            return RowResult.failed(r.error());
        }
        return new RowResult(r.text(), r.promptTokenCount(), r.outputTokenCount(), r.finishReason().label(),
                null, null, null, null);
    }

    /**
     * Decodes each batch's recordings and transcribes them in one engine call. The engine takes one set of
     * sampling parameters per call, so every row samples with {@code seed} itself: a row's transcript depends
     * only on its audio and the options, whatever batch or attempt it ran in.
     */
    private void transcribe(List<TaskInput> inputs, List<Integer> rows, RowResult[] results) {
        if (rows.isEmpty()) {
            return;
        }
        model().requireAudio();
        for (int start = 0; start < rows.size(); start += settings.batchSize()) {
            List<Integer> decoded = new ArrayList<>();
            List<float[]> recordings = new ArrayList<>();
            for (int i : rows.subList(start, Math.min(rows.size(), start + settings.batchSize()))) {
                TaskInput in = inputs.get(i);
                try {
                    recordings.add(AudioDecoder.decode(in.audio(), in.name()));
                    decoded.add(i);
                } catch (AudioFormatException e) {
                    results[i] = RowResult.failed(e.getMessage());
                } catch (CancellationException e) {
                    // the task's thread was interrupted: not the row's fault
                    throw killed(e);
                } catch (RuntimeException e) {
                    results[i] = RowResult.failed(in.name() + ": cannot decode the audio: " + e);
                }
            }
            if (decoded.isEmpty()) {
                continue;
            }
            failIfChanged();
            List<TranscriptionResult> answers;
            engineCalls++;
            try {
                answers = model().transcribeAll(recordings, settings.transcribePrompt(),
                        settings.sampling(settings.seed()), cancelled);
            } catch (CancellationException e) {
                throw killed(e);
            } catch (RuntimeException e) {
                for (int i : decoded) {
                    results[i] = RowResult.failed("inference failed: " + e);
                }
                continue;
            }
            failIfBroken();
            for (int k = 0; k < decoded.size(); k++) {
                results[decoded.get(k)] = fromTranscription(answers.get(k), inputs.get(decoded.get(k)).name());
            }
        }
    }

    /** The engine's errors are about the audio alone; the row's name says which recording it was. */
    private static RowResult fromTranscription(TranscriptionResult r, String name) {
        String error = r.error() == null || name == null ? r.error() : name + ": " + r.error();
        return new RowResult(r.text(), null, r.error() == null ? r.outputTokens() : null, r.finishReason().label(),
                error, null, null, r.audioSeconds());
    }

    /**
     * A model file rewritten on disk since it was loaded fails the task before its batch reads the old mapping, which
     * may fault (see GemmaWeights#changedOnDisk): Spark's retry gets the file loaded again by the registry.
     */
    private void failIfChanged() {
        String change = model().changedOnDisk();
        if (change != null) {
            throw new IllegalStateException("model " + model().key().model() + " changed on disk while in use: " + change
                    + " (replace model files by rename, never rewrite them in place)");
        }
    }

    /**
     * An engine that failed for good (its model file changed under it, say) fails the task rather than its rows:
     * the rows are not at fault, and Spark's retry of the task gets a context loaded afresh by the registry.
     */
    private void failIfBroken() {
        Throwable failure = model().failure();
        if (failure != null) {
            // the Error is named, not chained: Spark kills the executor for a fatal error anywhere in a task
            // failure's causes (spark.executor.killOnFatalError.depth), and the executor is sound
            throw new IllegalStateException("model " + model().key().model() + " failed: " + failure
                    + " (replace model files by rename, never rewrite them in place)");
        }
    }

    /**
     * The engine stopped this task's rows because the task was killed or interrupted: Spark's own exception for a
     * killed task when it was, so that the task ends as killed rather than failed.
     */
    private RuntimeException killed(CancellationException e) {
        if (taskContext != null) {
            taskContext.killTaskIfInterrupted();
        }
        return e;
    }

    private static RowResult fromScore(ScoreResult s) {
        return new RowResult(null, null, null, null, null, s.logLikelihood(), s.tokens(), null);
    }

    /** The label with the highest log-likelihood as the answer; the first of equal ones. */
    private static RowResult bestLabel(List<String> labels, List<ScoreResult> scores, int promptTokens) {
        int best = 0;
        for (int l = 1; l < labels.size(); l++) {
            if (scores.get(l).logLikelihood() > scores.get(best).logLikelihood()) {
                best = l;
            }
        }
        ScoreResult s = scores.get(best);
        return new RowResult(labels.get(best), promptTokens, s.tokens(), "stop", null, s.logLikelihood(), s.tokens(),
                null);
    }
}
