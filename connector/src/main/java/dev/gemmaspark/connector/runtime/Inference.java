package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.TranscriptionResult;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.audio.decode.AudioFormatException;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.apache.spark.TaskContext;

/**
 * Runs one task over a list of rows on a shared model: generation and transcription rows go to the engine
 * in batches of {@code batchSize}, classify and score rows one engine call per label or row. A row that is
 * invalid (undecodable audio included) or whose engine call fails gets an error result; the others go on.
 */
public final class Inference {
    private final SharedModel model;
    private final GemmaTask task;
    private final GemmaSettings settings;
    /** The Spark task this runs in, or null outside one. */
    private final TaskContext taskContext;
    private final BooleanSupplier cancelled;
    private long engineCalls;

    /** Called on the task's thread: a kill of that task cancels the rows it has in the engine. */
    public Inference(SharedModel model, GemmaTask task, GemmaSettings settings) {
        this.model = model;
        this.task = task;
        this.settings = settings;
        this.taskContext = TaskContext.get();
        this.cancelled = taskContext == null ? () -> false : taskContext::isInterrupted;
    }

    /** How many times this object has called the engine (generation and transcription batches, score calls). */
    public long engineCalls() {
        return engineCalls;
    }

    /** One result per input, in the order of the inputs. */
    public List<RowResult> run(List<TaskInput> inputs) {
        RowResult[] results = new RowResult[inputs.size()];
        List<Integer> valid = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String problem = problem(inputs.get(i));
            if (problem != null) {
                results[i] = RowResult.failed(problem);
            } else {
                valid.add(i);
            }
        }
        switch (task) {
            case GENERATE, SUMMARIZE -> generate(inputs, valid, results);
            case TRANSCRIBE -> transcribe(inputs, valid, results);
            case CLASSIFY, SCORE -> valid.forEach(i -> results[i] = scoreRow(inputs.get(i)));
        }
        return List.of(results);
    }

    /** Why a row cannot be run, or null. */
    private String problem(TaskInput in) {
        if (task.readsAudio()) {
            return in.audio() == null ? "input is null" : in.audio().length == 0 ? "input is empty" : null;
        }
        if (in.text() == null) {
            return "input is null";
        }
        if (in.text().isBlank()) {
            return "input is empty";
        }
        if (task == GemmaTask.SUMMARIZE && in.maxWords() != null && in.maxWords() <= 0) {
            return "max_words must be > 0, got " + in.maxWords();
        }
        if (task == GemmaTask.CLASSIFY) {
            if (in.labels() == null || in.labels().isEmpty()) {
                return "no labels to classify into";
            }
            for (int l = 0; l < in.labels().size(); l++) {
                String label = in.labels().get(l);
                if (label == null || label.isEmpty()) {
                    return "label #" + (l + 1) + " is null or empty";
                }
            }
        }
        return null;
    }

    private void generate(List<TaskInput> inputs, List<Integer> rows, RowResult[] results) {
        for (int start = 0; start < rows.size(); start += settings.batchSize()) {
            List<Integer> chunk = rows.subList(start, Math.min(rows.size(), start + settings.batchSize()));
            List<GenerationRequest> requests = new ArrayList<>(chunk.size());
            for (int i : chunk) {
                requests.add(request(inputs.get(i)));
            }
            List<GenerationResult> answers;
            engineCalls++;
            try {
                answers = model.generateAll(requests, cancelled);
            } catch (CancellationException e) {
                throw killed(e);
            } catch (RuntimeException e) {
                for (int i : chunk) {
                    results[i] = RowResult.failed("inference failed: " + e);
                }
                continue;
            }
            for (int k = 0; k < chunk.size(); k++) {
                results[chunk.get(k)] = fromGeneration(answers.get(k));
            }
        }
    }

    private GenerationRequest request(TaskInput in) {
        String user = task == GemmaTask.SUMMARIZE ? Prompts.summarize(in.text(), in.maxWords()) : in.text();
        List<ChatMessage> messages = Prompts.conversation(settings.systemPrompt(), user);
        long seed = settings.temperature() == 0f ? settings.seed()
                : RowSeeds.derive(settings.seed(), messages.toString());
        return GenerationRequest.chat(messages, settings.sampling(seed));
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
        model.requireAudio();
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
                } catch (RuntimeException e) {
                    results[i] = RowResult.failed(in.name() + ": cannot decode the audio: " + e);
                }
            }
            if (decoded.isEmpty()) {
                continue;
            }
            List<TranscriptionResult> answers;
            engineCalls++;
            try {
                answers = model.transcribeAll(recordings, settings.transcribePrompt(), settings.sampling(settings.seed()),
                        cancelled);
            } catch (CancellationException e) {
                throw killed(e);
            } catch (RuntimeException e) {
                for (int i : decoded) {
                    results[i] = RowResult.failed("inference failed: " + e);
                }
                continue;
            }
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
     * The engine stopped this task's rows because the task was killed or interrupted: Spark's own exception for a
     * killed task when it was, so that the task ends as killed rather than failed.
     */
    private RuntimeException killed(CancellationException e) {
        if (taskContext != null) {
            taskContext.killTaskIfInterrupted();
        }
        return e;
    }

    private RowResult scoreRow(TaskInput in) {
        try {
            if (task == GemmaTask.SCORE) {
                engineCalls++;
                ScoreResult s = model.score(in.context(), in.text());
                return new RowResult(null, null, null, null, null, s.logLikelihood(), s.tokens(), null);
            }
            String context = Prompts.chatContext(settings.systemPrompt(), Prompts.classify(in.text(), in.labels()));
            String best = null;
            ScoreResult bestScore = null;
            for (String label : in.labels()) {
                engineCalls++;
                ScoreResult s = model.score(context, label);
                if (bestScore == null || s.logLikelihood() > bestScore.logLikelihood()) {
                    best = label;
                    bestScore = s;
                }
            }
            return new RowResult(best, model.promptTokenCount(context), bestScore.tokens(), "stop", null,
                    bestScore.logLikelihood(), bestScore.tokens(), null);
        } catch (RuntimeException e) {
            return RowResult.failed("inference failed: " + e);
        }
    }
}
