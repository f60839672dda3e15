package dev.gemmaspark.engine;

import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEmbedding;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.audio.AudioPrompt;
import dev.gemmaspark.engine.audio.LongAudio;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.model.ForwardBatch;
import dev.gemmaspark.engine.model.ForwardPass;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.Gemma3nModel;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.scheduler.PromptEmbeddings;
import dev.gemmaspark.engine.scheduler.Scheduler;
import dev.gemmaspark.engine.scheduler.SchedulerOptions;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.tokenizer.ChatTemplate;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A loaded Gemma 3n model: the memory-mapped GGUF, its tokenizer and the engine that runs it. Load once,
 * share between threads; every method is thread-safe. Generation requests from all threads meet in one
 * continuous-batching {@link Scheduler}. Closing fails what is still running and unmaps the file.
 */
public final class GemmaModel implements AutoCloseable {
    /** Positions per forward pass when computing the logits of every position of a sequence. */
    private static final int LOGITS_CHUNK = 16;
    /** Shorter recordings hold less than one 32 ms analysis frame of the audio front end. */
    private static final int MIN_AUDIO_SAMPLES = 512;
    private static final System.Logger LOG = System.getLogger(GemmaModel.class.getName());

    private final GGUFFile file;
    private final Gemma3nModel model;
    private final GemmaTokenizer tokenizer;
    private final ThreadPool pool;
    private final Scheduler scheduler;
    private final EngineOptions options;
    private final int contextLength;
    /** The audio tower, when the model was loaded with audio weights (or its GGUF carries them). */
    private final AudioEncoder audio;
    /** The kernels' thread pool runs one forward pass at a time. */
    private final Object forwardLock = new Object();
    private ForwardPass scoringPass;

    private GemmaModel(GGUFFile file, Path audioWeights, EngineOptions options) {
        this.file = file;
        this.options = options;
        Gemma3nConfig config = Gemma3nConfig.fromGGUF(file);
        this.tokenizer = GemmaTokenizer.fromGGUF(file);
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw file.error("tokenizer has " + tokenizer.vocabSize() + " tokens but the model " + config.vocabSize());
        }
        // positions past the training context have never been seen by RoPE: cap there, as llama.cpp warns
        this.contextLength = options.contextLength() == 0 ? config.contextLength()
                : Math.min(options.contextLength(), config.contextLength());
        int sequences = liveSequences(config, options, contextLength);
        int cores = Runtime.getRuntime().availableProcessors();
        if (options.threads() > cores) {
            LOG.log(System.Logger.Level.WARNING, "threads={0} exceeds the {1} available processors: expect it to"
                    + " run slower, not faster", options.threads(), cores);
        }
        this.model = new Gemma3nModel(file, contextLength, ActivationRounding.LLAMA_CPP);
        this.pool = new ThreadPool(options.threads());
        ForwardPass pass = new ForwardPass(model, pool, options.batchTokens(), options.exactGelu());
        this.audio = loadAudio(file, audioWeights, config, pool, options.audioQ8_0());
        this.scheduler = new Scheduler(pass, tokenizer, forwardLock,
                new SchedulerOptions(sequences, options.batchTokens(), contextLength), config.vocabSize());
    }

    /** How many sequences may be live at once: {@code maxSequences}, fewer if the KV-cache limit says so. */
    private static int liveSequences(Gemma3nConfig config, EngineOptions options, int contextLength) {
        if (options.kvCacheMB() == 0) {
            return options.maxSequences();
        }
        long perSequence = KVCache.bytesFor(config, contextLength, options.batchTokens());
        long fit = (options.kvCacheMB() << 20) / perSequence;
        if (fit == 0) {
            throw new IllegalArgumentException("kvCacheMB=" + options.kvCacheMB() + " is too small for one sequence: a"
                    + " context of " + contextLength + " tokens needs " + ((perSequence + (1 << 20) - 1) >> 20)
                    + " MiB (lower contextLength or raise kvCacheMB)");
        }
        return (int) Math.min(options.maxSequences(), fit);
    }

    /**
     * Maps {@code gguf} and checks it; a bad file fails here with its name and the problem. The audio
     * encoder comes along when the GGUF carries the audio tower.
     */
    public static GemmaModel load(Path gguf, EngineOptions options) {
        return load(gguf, null, options);
    }

    /**
     * Like {@link #load(Path, EngineOptions)}, with the audio tower and embedder read from
     * {@code audioWeights} (a Hugging Face safetensors file or sharded folder; null: from the GGUF if there).
     */
    public static GemmaModel load(Path gguf, Path audioWeights, EngineOptions options) {
        GGUFFile file = GGUFFile.open(gguf);
        try {
            return new GemmaModel(file, audioWeights, options);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static AudioEncoder loadAudio(GGUFFile file, Path audioWeights, Gemma3nConfig config, ThreadPool pool,
            boolean audioQ8_0) {
        AudioEncoder encoder;
        try {
            if (audioWeights != null) {
                encoder = AudioEncoder.load(audioWeights, pool, audioQ8_0);
            } else if (AudioEncoder.hasAudioTower(file)) {
                encoder = AudioEncoder.load(file, AudioConfig.fromGGUF(file), pool, audioQ8_0);
            } else {
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(audioWeights + ": cannot read the audio weights: " + e.getMessage(), e);
        }
        if (encoder.config().textHiddenSize() != config.nEmbd()) {
            encoder.close();
            throw new IllegalArgumentException((audioWeights != null ? audioWeights : file.path()) + ": the audio"
                    + " embedder projects to " + encoder.config().textHiddenSize() + " values, the text model is "
                    + config.nEmbd() + " wide");
        }
        return encoder;
    }

    public GemmaTokenizer tokenizer() {
        return tokenizer;
    }

    public Gemma3nConfig config() {
        return model.config();
    }

    public EngineOptions options() {
        return options;
    }

    public Path path() {
        return file.path();
    }

    /** The longest sequence (prompt plus output) one request may use. */
    public int contextLength() {
        return contextLength;
    }

    /**
     * The prompt of a request as token ids: chat-templated, raw text with BOS, or the ids as given. Control-token
     * text in messages or raw text stays text unless the request's {@code parseSpecial} is set.
     */
    public int[] promptTokens(GenerationRequest request) {
        if (request.tokens() != null) {
            return request.tokens().clone();
        }
        return request.rawText() != null
                ? tokenizer.encode(request.rawText(), true, request.parseSpecial())
                : tokenizer.encodeChat(request.messages(), true, request.parseSpecial());
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, null);
    }

    /**
     * Generates for one request, streaming each token to {@code listener} (may be null). Bad input
     * (an empty or too long prompt) throws {@link IllegalArgumentException}.
     */
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        return join(submit(request, listener));
    }

    /**
     * Queues a request and returns at once; cancelling the future stops the request at the next step.
     * Bad input throws here.
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request, TokenListener listener) {
        return scheduler.submit(promptTokens(request), request.params(), listener);
    }

    /**
     * Generates for many requests together; results come back in the order of the requests. A request
     * that fails gets a result with finish reason {@code ERROR} and a message; the others go on.
     */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>(requests.size());
        for (GenerationRequest r : requests) {
            try {
                futures.add(submit(r, null));
            } catch (RuntimeException e) {
                futures.add(CompletableFuture.failedFuture(e));
            }
        }
        List<GenerationResult> results = new ArrayList<>(requests.size());
        for (CompletableFuture<GenerationResult> f : futures) {
            try {
                results.add(join(f));
            } catch (RuntimeException e) {
                results.add(GenerationResult.failed(String.valueOf(e.getMessage())));
            }
        }
        return results;
    }

    /**
     * The log-likelihood of {@code text} following {@code context} (null or empty: following BOS). The
     * context is tokenized with BOS, the text without, and only the text's tokens are scored.
     */
    public ScoreResult score(String context, String text) {
        int[] ctx = tokenizer.encode(context == null ? "" : context, true, true);
        int[] cont = tokenizer.encode(text, false, true);
        if (cont.length == 0) {
            return new ScoreResult(0.0, 0);
        }
        int[] all = new int[ctx.length + cont.length];
        System.arraycopy(ctx, 0, all, 0, ctx.length);
        System.arraycopy(cont, 0, all, ctx.length, cont.length);
        double[] sum = new double[1];
        int vocab = config().vocabSize();
        forEachLogitsRow(all, ctx.length - 1, all.length - 2, (pos, logits, off) -> {
            sum[0] += logSoftmax(logits, off, vocab, all[pos + 1]);
        });
        return new ScoreResult(sum[0], cont.length);
    }

    /** Whether this model can transcribe audio (it was loaded with the audio tower). */
    public boolean hasAudio() {
        return audio != null;
    }

    /**
     * Transcribes recordings (mono 16 kHz samples, e.g. from {@link AudioDecoder}) together: every
     * recording is cut into windows of at most 30 s, all windows are encoded in one batch and decoded
     * through the scheduler, and each recording's windows are joined. A recording that cannot be
     * transcribed (too short, silent) gets a result with finish reason {@code ERROR}; the others go on.
     *
     * @param prompt the instruction that follows the audio in the user turn, e.g. "Transcribe this audio."
     */
    public List<TranscriptionResult> transcribeAll(List<float[]> recordings, String prompt, SamplingParams params) {
        if (audio == null) {
            throw new IllegalStateException(file.path() + ": this model has no audio encoder; load it with the audio"
                    + " weights (model.audio_tower.*, model.embed_audio.*)");
        }
        int softId = tokenizer.tokenId(AudioPrompt.SOFT_TOKEN);
        int endId = tokenizer.tokenId("<end_of_audio>");
        if (softId < 0 || endId < 0) {
            throw new IllegalStateException(file.path() + ": the vocabulary has no audio tokens (files converted before"
                    + " 2026 have 262144 tokens; convert again with the current llama.cpp converter)");
        }
        List<String> problems = new ArrayList<>();
        List<float[]> clips = new ArrayList<>();
        int[] windowsOf = new int[recordings.size()];
        for (float[] r : recordings) {
            String problem = r.length <= MIN_AUDIO_SAMPLES ? "audio shorter than 33 ms (" + r.length + " samples)"
                    : LongAudio.isSilent(r) ? "the audio is silent" : null;
            problems.add(problem);
            if (problem == null) {
                for (LongAudio.Window w : LongAudio.split(r)) {
                    clips.add(w.slice(r));
                    windowsOf[problems.size() - 1]++;
                }
            }
        }
        List<AudioEmbedding> embedded = audio.embed(clips);
        String rendered = ChatTemplate.render(List.of(ChatMessage.user(AudioPrompt.SOFT_TOKEN + prompt)), true);
        float[] endOfAudio = audio.hardEmbedding(AudioPrompt.END_OF_AUDIO_ID);
        List<CompletableFuture<GenerationResult>> windows = new ArrayList<>();
        for (AudioEmbedding e : embedded) {
            int[] tokens = tokenizer.encode(AudioPrompt.expand(rendered, e.slots()), true, true);
            PromptEmbeddings inputs = PromptEmbeddings.forPrompt(tokens.length);
            int slot = 0;
            for (int p = 0; p < tokens.length; p++) {
                if (tokens[p] == softId) {
                    inputs.set(p, e.embeddings(), slot++ * e.width());
                } else if (tokens[p] == endId) {
                    inputs.set(p, endOfAudio, 0);
                }
            }
            windows.add(scheduler.submit(tokens, inputs, params, null));
        }
        List<TranscriptionResult> results = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < recordings.size(); i++) {
            double seconds = recordings.get(i).length / (double) AudioDecoder.MODEL_RATE;
            if (problems.get(i) != null) {
                results.add(TranscriptionResult.failed(seconds, problems.get(i)));
                continue;
            }
            StringBuilder text = new StringBuilder();
            int tokens = 0;
            FinishReason reason = FinishReason.STOP;
            String error = null;
            for (int w = 0; w < windowsOf[i]; w++) {
                try {
                    GenerationResult g = join(windows.get(next + w));
                    if (!text.isEmpty() && !g.text().isBlank()) {
                        text.append(' ');
                    }
                    text.append(g.text().strip());
                    tokens += g.outputTokenCount();
                    if (g.finishReason() == FinishReason.LENGTH) {
                        reason = FinishReason.LENGTH;
                    }
                } catch (RuntimeException ex) {
                    error = String.valueOf(ex.getMessage());
                }
            }
            next += windowsOf[i];
            results.add(error != null ? TranscriptionResult.failed(seconds, error)
                    : new TranscriptionResult(text.toString(), seconds, tokens, reason, null));
        }
        return results;
    }

    public TranscriptionResult transcribe(float[] recording, String prompt, SamplingParams params) {
        return transcribeAll(List.of(recording), prompt, params).getFirst();
    }

    /** The logits of every position of {@code tokens} (used exactly as given), row-major [n][vocab]. */
    public float[] logits(int[] tokens) {
        int vocab = config().vocabSize();
        float[] out = new float[Math.multiplyExact(tokens.length, vocab)];
        forEachLogitsRow(tokens, 0, tokens.length - 1,
                (pos, logits, off) -> System.arraycopy(logits, off, out, pos * vocab, vocab));
        return out;
    }

    @FunctionalInterface
    private interface RowConsumer {
        void accept(int position, float[] logits, int offset);
    }

    /**
     * Runs {@code tokens} as one sequence and hands the logits of positions {@code from} to {@code last}
     * to {@code rows}, in order.
     */
    private void forEachLogitsRow(int[] tokens, int from, int last, RowConsumer rows) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to evaluate");
        }
        if (tokens.length > contextLength) {
            throw new IllegalArgumentException(tokens.length + " tokens do not fit the context length "
                    + contextLength);
        }
        int vocab = config().vocabSize();
        float[] logits = new float[LOGITS_CHUNK * vocab];
        ForwardBatch batch = new ForwardBatch(LOGITS_CHUNK);
        try (KVCache cache = new KVCache(config(), tokens.length, LOGITS_CHUNK)) {
            for (int start = 0; start < tokens.length; start += LOGITS_CHUNK) {
                int end = Math.min(tokens.length, start + LOGITS_CHUNK);
                batch.clear();
                for (int p = start; p < end; p++) {
                    batch.add(tokens[p], p, cache, p >= from && p <= last);
                }
                synchronized (forwardLock) {
                    if (scoringPass == null) {
                        scoringPass = new ForwardPass(model, pool, LOGITS_CHUNK, options.exactGelu());
                    }
                    scoringPass.forward(batch, logits);
                }
                int row = 0;
                for (int p = start; p < end; p++) {
                    if (p >= from && p <= last) {
                        rows.accept(p, logits, row++ * vocab);
                    }
                }
            }
        }
    }

    /** log p(target) under softmax of {@code logits[off..off+n)}, in double. */
    static double logSoftmax(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0.0;
        for (int i = off; i < off + n; i++) {
            sum += StrictMath.exp(logits[i] - max);
        }
        return logits[off + target] - max - StrictMath.log(sum);
    }

    private static GenerationResult join(CompletableFuture<GenerationResult> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new CompletionException(cause);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for generation", e);
        }
    }

    @Override
    public void close() {
        scheduler.close();
        if (audio != null) {
            audio.close();
        }
        synchronized (forwardLock) {
            pool.close();
            file.close();
        }
    }
}
