package dev.gemmaspark.engine;

import dev.gemmaspark.engine.audio.AudioEmbedding;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.audio.AudioPrompt;
import dev.gemmaspark.engine.audio.LongAudio;
import dev.gemmaspark.engine.audio.decode.AudioDecoder;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.model.ForwardBackend;
import dev.gemmaspark.engine.model.ForwardPass;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.Gemma3nModel;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.opencl.OpenCL;
import dev.gemmaspark.engine.opencl.OpenClForwardPass;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.scheduler.PromptEmbeddings;
import dev.gemmaspark.engine.scheduler.Scheduler;
import dev.gemmaspark.engine.scheduler.SchedulerOptions;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.tokenizer.ChatTemplate;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import dev.gemmaspark.engine.vision.ImagePrompt;
import dev.gemmaspark.engine.vision.RgbImage;
import dev.gemmaspark.engine.vision.VisionEncoder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/**
 * An inference context over a model's {@link GemmaWeights}: the thread pool, the continuous-batching {@link
 * Scheduler} with its KV memory, and the run options (context length, sequences, threads). Several contexts can
 * share one set of weights, as llama.cpp's {@code llama_context}s share a {@code llama_model}. Every method is
 * thread-safe; requests from all threads meet in the one scheduler. Closing fails what is still running and, for
 * a context that loaded its own weights ({@link #load}), unmaps the file.
 */
public final class GemmaModel implements AutoCloseable {
    /** Shorter recordings hold less than one 32 ms analysis frame of the audio front end. */
    private static final int MIN_AUDIO_SAMPLES = 512;
    /** The most sequences an automatic {@code maxSequences} decodes together. */
    static final int AUTO_MAX_SEQUENCES = 64;
    private static final System.Logger LOG = System.getLogger(GemmaModel.class.getName());

    private final GemmaWeights weights;
    private final boolean ownsWeights;
    private final Gemma3nModel model;
    private final GemmaTokenizer tokenizer;
    private final ThreadPool pool;
    private final ForwardBackend backend;
    private final Scheduler scheduler;
    private final EngineOptions options;
    private final int contextLength;
    private final int sequences;
    /** The audio tower on this context's pool, when the weights have one. */
    private final AudioEncoder audio;
    /** The vision tower on this context's pool, when the weights have one. */
    private final VisionEncoder vision;
    /** Guarded by this. */
    private boolean closed;

    private GemmaModel(GemmaWeights weights, boolean ownsWeights, EngineOptions options) {
        this.weights = weights;
        this.ownsWeights = ownsWeights;
        this.options = options;
        Gemma3nConfig config = weights.config();
        this.tokenizer = weights.tokenizer();
        // positions past the training context have never been seen by RoPE: cap there, as llama.cpp warns
        this.contextLength = options.contextLength() == 0 ? config.contextLength()
                : Math.min(options.contextLength(), config.contextLength());
        this.sequences = liveSequences(config, options, contextLength);
        int cores = Runtime.getRuntime().availableProcessors();
        if (options.threads() > cores) {
            LOG.log(System.Logger.Level.WARNING, "threads={0} exceeds the {1} available processors: expect it to"
                    + " run slower, not faster", options.threads(), cores);
        }
        this.model = new Gemma3nModel(config, weights.text(), contextLength);
        this.pool = new ThreadPool(options.threads());
        int batchTokens = Math.max(options.batchTokens(), sequences);
        this.backend = backend(weights, model, pool, options, batchTokens, sequences, contextLength);
        this.audio = weights.audio(pool);
        this.vision = weights.vision(pool);
        try {
            this.scheduler = new Scheduler(weights.path().toString(), backend, pool, tokenizer,
                    new SchedulerOptions(sequences, batchTokens, contextLength)
                            .withPrefixCacheMB(options.prefixCacheMB()));
        } catch (RuntimeException e) {
            backend.close();
            pool.close();
            throw e;
        }
    }

    /**
     * The CPU forward pass, or with {@code device=opencl[:N]} the OpenCL one, its weights uploaded from the file and
     * its KV caches for {@code sequences} sequences allocated on the device.
     */
    private static ForwardBackend backend(GemmaWeights weights, Gemma3nModel model, ThreadPool pool,
                                          EngineOptions options, int batchTokens, int sequences, int contextLength) {
        int device = options.openClDevice();
        if (device < 0) {
            return new ForwardPass(model, pool, batchTokens, options.exactGelu());
        }
        try {
            return OpenClForwardPass.open(OpenCL.device(device), model, weights.file(), batchTokens, sequences,
                    contextLength, batchTokens, options.exactGelu(), ActivationRounding.LLAMA_CPP);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * How many sequences may be live at once: {@code maxSequences}, or with 0 as many as the KV budget holds up
     * to {@value #AUTO_MAX_SEQUENCES}; fewer if the KV-cache budget says so. Without {@code kvCacheMB} an automatic
     * count budgets a quarter of the machine's memory for KV caches (allocated as sequences start, not here).
     */
    private static int liveSequences(Gemma3nConfig config, EngineOptions options, int contextLength) {
        boolean automatic = options.maxSequences() == 0;
        int wanted = automatic ? AUTO_MAX_SEQUENCES : options.maxSequences();
        long budget = options.kvCacheMB() != 0 ? options.kvCacheMB() << 20 : automatic ? physicalMemory() / 4 : 0;
        if (budget == 0) {
            return wanted;
        }
        long perSequence = KVCache.bytesFor(config, contextLength, Math.max(options.batchTokens(), wanted));
        long fit = budget / perSequence;
        if (fit == 0) {
            throw new IllegalArgumentException("kvCacheMB=" + (budget >> 20) + " is too small for one sequence: a"
                    + " context of " + contextLength + " tokens needs " + ((perSequence + (1 << 20) - 1) >> 20)
                    + " MiB (lower contextLength or raise kvCacheMB)");
        }
        return (int) Math.min(wanted, fit);
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory() * 4;
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
     * The context owns its weights and closes them with itself.
     */
    public static GemmaModel load(Path gguf, Path audioWeights, EngineOptions options) {
        return load(gguf, audioWeights, null, options);
    }

    /**
     * Like {@link #load(Path, Path, EngineOptions)}, with the vision tower and projector from the mmproj GGUF
     * {@code mmproj} (null: none), for requests with images.
     */
    public static GemmaModel load(Path gguf, Path audioWeights, Path mmproj, EngineOptions options) {
        GemmaWeights weights = GemmaWeights.load(gguf, audioWeights, options.audioQ8_0(), mmproj);
        try {
            return new GemmaModel(weights, true, options);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * A context over weights loaded once and shared: its own threads, scheduler and KV memory. Closing it leaves
     * the weights open. {@code options.audioQ8_0()} must match how the weights were loaded.
     */
    public static GemmaModel create(GemmaWeights weights, EngineOptions options) {
        if (options.audioQ8_0() != weights.audioQ8_0()) {
            throw new IllegalArgumentException("audioQ8_0=" + options.audioQ8_0() + " but the weights of "
                    + weights.path() + " were loaded with audioQ8_0=" + weights.audioQ8_0());
        }
        return new GemmaModel(weights, false, options);
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
        return weights.path();
    }

    /** The weights this context runs. */
    public GemmaWeights weights() {
        return weights;
    }

    /** Requests in this context's scheduler that have not finished: queued or running. */
    public int liveRequests() {
        return scheduler.liveCount();
    }

    /** Whether this context failed for good (see {@link Scheduler#failure()}): a new one must take its place. */
    public boolean isBroken() {
        return failure() != null;
    }

    /** What broke this context's scheduler, or null while it works. */
    public Throwable failure() {
        return scheduler.failure();
    }

    /** Sequences this context decodes together (the resolved {@code maxSequences}). */
    public int maxSequences() {
        return sequences;
    }

    /**
     * Prompt positions this context computed so far: generation prompts, scored texts, classification contexts and
     * labels, logits requests. With {@link #cachedPromptTokens()} it says how much prefix caching saved.
     */
    public long computedPromptTokens() {
        return scheduler.computedPromptTokens();
    }

    /** Leading prompt positions this context copied from its prefix cache ({@code prefixCacheMB}) instead. */
    public long cachedPromptTokens() {
        return scheduler.cachedPromptTokens();
    }

    /** Bytes the prefix cache holds now, at most {@code prefixCacheMB} MiB. */
    public long prefixCacheBytes() {
        return scheduler.prefixCacheBytes();
    }

    /** The longest sequence (prompt plus output) one request may use. */
    public int contextLength() {
        return contextLength;
    }

    /**
     * The prompt of a request as token ids: chat-templated, raw text with BOS, or the ids as given. Text is plain
     * text unless the request parses special tokens. A text too long for the context throws {@link
     * PromptTooLongException}, before tokenizing where its length alone shows it, unless the request truncates:
     * then the head of its (last message's) text is kept so that the prompt leaves room for the answer.
     */
    public int[] promptTokens(GenerationRequest request) {
        if (!request.images().isEmpty()) {
            return imagePrompt(request).tokens();
        }
        int[] tokens;
        if (request.tokens() != null) {
            tokens = request.tokens().clone();
        } else if (request.truncate()) {
            int limit = contextLength - Math.max(1, Math.min(request.params().maxTokens(), contextLength / 2));
            tokens = request.messages() != null
                    ? tokenizer.encodeChatTruncated(request.messages(), true, request.parseSpecial(), limit)
                    : Arrays.copyOf(tokenizer.encode(head(request.rawText(), limit), true, request.parseSpecial()),
                            limit);
        } else if (request.messages() != null) {
            tokens = chatTokens(request.messages(), request.parseSpecial());
        } else {
            tokens = encodeBounded(request.rawText(), true, request.parseSpecial());
        }
        if (tokens.length >= contextLength) {
            throw new PromptTooLongException("prompt of " + tokens.length + " tokens does not fit the context length "
                    + contextLength + " (it needs room for at least one generated token)");
        }
        return tokens;
    }

    /**
     * Every token covers at most {@link GemmaTokenizer#maxPieceBytes()} bytes of text and every character at least
     * one byte, so a text of more than {@code tokens} x that many characters has more than {@code tokens} tokens:
     * this is how long a text is checked, or cut, before it is tokenized, whatever its size.
     */
    private long mostChars(int tokens) {
        return (long) tokens * tokenizer.maxPieceBytes();
    }

    private String head(String text, int tokens) {
        return text.length() > mostChars(tokens) ? text.substring(0, (int) mostChars(tokens)) : text;
    }

    private void checkLength(long chars) {
        if (chars > mostChars(contextLength)) {
            throw new PromptTooLongException("a text of " + chars + " characters does not fit the context length "
                    + contextLength + " (no text over " + mostChars(contextLength) + " characters can)");
        }
    }

    private int[] encodeBounded(String text, boolean addSpecial, boolean parseSpecial) {
        checkLength(text.length());
        return tokenizer.encode(text, addSpecial, parseSpecial);
    }

    private int[] chatTokens(List<ChatMessage> messages, boolean parseSpecial) {
        long chars = 0;
        for (ChatMessage m : messages) {
            chars += m.content() == null ? 0 : m.content().length();
        }
        checkLength(chars);
        return tokenizer.encodeChat(messages, true, parseSpecial);
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
        if (!request.images().isEmpty()) {
            ImagePrompt.Expanded prompt = imagePrompt(request);
            return submitWithImages(request, prompt, vision.embed(request.images()), listener);
        }
        return scheduler.submit(promptTokens(request), request.params(), listener);
    }

    /** Whether this model takes images (it was loaded with a vision projector). */
    public boolean hasVision() {
        return vision != null;
    }

    /**
     * The side S of the square the vision tower takes: images letterboxed to S x S ({@link
     * dev.gemmaspark.engine.vision.ImageDecoder#decode(byte[], int)}) go in as they are.
     */
    public int imageSize() {
        return requireVision().config().imageSize();
    }

    /**
     * The projector output of each image: 256 rows of the text model's width, row-major, the input embeddings of
     * the image's positions in a prompt (what {@code embed-image} writes).
     */
    public List<float[]> embedImages(List<RgbImage> images) {
        return requireVision().embed(images);
    }

    private VisionEncoder requireVision() {
        if (vision == null) {
            throw new IllegalStateException(path() + ": this model has no vision projector; load it with the"
                    + " mmproj GGUF that comes with it");
        }
        return vision;
    }

    /**
     * The prompt of a request with images: the tokens with each image's positions in place (see {@link
     * GenerationRequest}), too long ones refused.
     */
    private ImagePrompt.Expanded imagePrompt(GenerationRequest request) {
        requireVision();
        int start = tokenizer.tokenId(ImagePrompt.START);
        int n = request.images().size();
        ImagePrompt.Expanded expanded;
        if (request.tokens() != null) {
            expanded = ImagePrompt.expand(request.tokens(), start, -1, n, PromptEmbeddings.PER_LAYER_TOKEN);
        } else {
            String leading = ImagePrompt.MARKER.repeat(n);
            String text = request.rawText();
            List<ChatMessage> messages = request.messages();
            long chars = text != null ? text.length() : messages.stream().mapToLong(m -> m.content() == null ? 0
                    : m.content().length()).sum();
            checkLength(chars);
            boolean marked = text != null ? text.contains(ImagePrompt.MARKER)
                    : messages.stream().anyMatch(m -> m.content() != null && m.content().contains(ImagePrompt.MARKER));
            if (!marked && text != null) {
                text = leading + text;
            } else if (!marked) {
                List<ChatMessage> copy = new ArrayList<>(messages);
                ChatMessage last = copy.getLast();
                copy.set(copy.size() - 1, new ChatMessage(last.role(), leading + (last.content() == null ? ""
                        : last.content())));
                messages = copy;
            }
            int[] tokens = tokenizer.encodeWithMarker(text, messages, request.parseSpecial(), ImagePrompt.MARKER,
                    ImagePrompt.START);
            expanded = ImagePrompt.expand(tokens, start, tokenizer.tokenId(ImagePrompt.END), n,
                    PromptEmbeddings.PER_LAYER_TOKEN);
        }
        if (expanded.tokens().length >= contextLength) {
            throw new PromptTooLongException("prompt of " + expanded.tokens().length + " positions (" + n + " image"
                    + (n == 1 ? "" : "s") + " of " + ImagePrompt.POSITIONS + ") does not fit the context length "
                    + contextLength + " (it needs room for at least one generated token)");
        }
        return expanded;
    }

    /** The image positions of {@code prompt} fed with {@code embeddings}, one array per image. */
    private PromptEmbeddings imageInputs(ImagePrompt.Expanded prompt, List<float[]> embeddings) {
        PromptEmbeddings inputs = PromptEmbeddings.forPrompt(prompt.tokens().length);
        int d = config().nEmbd();
        for (int i = 0; i < prompt.imageStarts().length; i++) {
            for (int j = 0; j < ImagePrompt.POSITIONS; j++) {
                inputs.set(prompt.imageStarts()[i] + j, embeddings.get(i), j * d);
            }
        }
        return inputs;
    }

    private CompletableFuture<GenerationResult> submitWithImages(GenerationRequest request, ImagePrompt.Expanded prompt,
                                                                 List<float[]> embeddings, TokenListener listener) {
        return scheduler.submit(prompt.tokens(), imageInputs(prompt, embeddings), request.params(), listener);
    }

    /**
     * Generates for many requests together; results come back in the order of the requests. A request
     * that fails gets a result with finish reason {@code ERROR} and a message; the others go on.
     */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests) {
        return generateAll(requests, () -> false);
    }

    /**
     * Like {@link #generateAll(List)}; while waiting, {@code cancelled} is polled a few times a second, and when
     * it says so (or the thread is interrupted) every request of the call is cancelled in the scheduler and a
     * {@link CancellationException} thrown: a killed Spark task leaves nothing running in the engine.
     */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests, BooleanSupplier cancelled) {
        // the images of all requests go through the tower together, before any request is queued
        ImagePrompt.Expanded[] prompts = new ImagePrompt.Expanded[requests.size()];
        RuntimeException[] problems = new RuntimeException[requests.size()];
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            if (!r.images().isEmpty()) {
                try {
                    prompts[i] = imagePrompt(r);
                    images.addAll(r.images());
                } catch (RuntimeException e) {
                    problems[i] = e;
                }
            }
        }
        List<float[]> embedded = List.of();
        if (!images.isEmpty()) {
            try {
                embedded = vision.embed(images);
            } catch (RuntimeException e) {
                for (int i = 0; i < prompts.length; i++) {
                    if (prompts[i] != null) {
                        problems[i] = e;
                    }
                }
            }
        }
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>(requests.size());
        int nextImage = 0;
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            try {
                if (problems[i] != null) {
                    throw problems[i];
                }
                if (prompts[i] != null) {
                    int n = r.images().size();
                    futures.add(submitWithImages(r, prompts[i], embedded.subList(nextImage, nextImage + n), null));
                    nextImage += n;
                } else {
                    futures.add(submit(r, null));
                }
            } catch (RuntimeException e) {
                futures.add(CompletableFuture.failedFuture(e));
            }
        }
        return Requests.awaitAll(futures, cancelled, e -> GenerationResult.failed(String.valueOf(e.getMessage())));
    }

    /**
     * The log-likelihood of {@code text} following {@code context} (null or empty: following BOS). The
     * context is tokenized with BOS, the text without, and only the text's tokens are scored.
     */
    public ScoreResult score(String context, String text) {
        return join(submitScore(context, text, false));
    }

    /**
     * Queues the scoring of {@code text} after {@code context} (see {@link #score}); both are plain text unless
     * {@code parseSpecial}. Scores batch with every other request of the scheduler. Bad input throws here.
     */
    public CompletableFuture<ScoreResult> submitScore(String context, String text, boolean parseSpecial) {
        int[] ctx = encodeBounded(context == null ? "" : context, true, parseSpecial);
        int[] cont = encodeBounded(text, false, parseSpecial);
        int[] all = new int[ctx.length + cont.length];
        System.arraycopy(ctx, 0, all, 0, ctx.length);
        System.arraycopy(cont, 0, all, ctx.length, cont.length);
        return scheduler.submitScore(all, ctx.length, 0);
    }

    /**
     * Queues a classification: the log-likelihood of each label as the model's answer to the chat {@code
     * messages}, in the order of the labels. The conversation is prefilled once and shared by all labels; each
     * label's result equals {@link #submitScore scoring} it after the templated conversation, bit for bit.
     */
    public CompletableFuture<List<ScoreResult>> submitClassify(List<ChatMessage> messages, List<String> labels,
                                                               boolean parseSpecial) {
        int[] context = chatTokens(messages, parseSpecial);
        List<int[]> continuations = new ArrayList<>(labels.size());
        for (String label : labels) {
            continuations.add(encodeBounded(label, false, parseSpecial));
        }
        return scheduler.submitClassify(context, continuations);
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
        return transcribeAll(recordings, prompt, params, () -> false);
    }

    /** Like {@link #transcribeAll(List, String, SamplingParams)}, cancelled as {@link #generateAll(List, BooleanSupplier)} is. */
    public List<TranscriptionResult> transcribeAll(List<float[]> recordings, String prompt, SamplingParams params,
                                                   BooleanSupplier cancelled) {
        if (audio == null) {
            throw new IllegalStateException(path() + ": this model has no audio encoder; load it with the audio"
                    + " weights (model.audio_tower.*, model.embed_audio.*)");
        }
        int softId = tokenizer.tokenId(AudioPrompt.SOFT_TOKEN);
        int endId = tokenizer.tokenId("<end_of_audio>");
        if (softId < 0 || endId < 0) {
            throw new IllegalStateException(path() + ": the vocabulary has no audio tokens (files converted before"
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
        List<GenerationResult> windowResults = Requests.awaitAll(windows, cancelled,
                e -> GenerationResult.failed(String.valueOf(e.getMessage())));
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
                GenerationResult g = windowResults.get(next + w);
                if (g.error() != null) {
                    error = g.error();
                    continue;
                }
                if (!text.isEmpty() && !g.text().isBlank()) {
                    text.append(' ');
                }
                text.append(g.text().strip());
                tokens += g.outputTokenCount();
                if (g.finishReason() == FinishReason.LENGTH) {
                    reason = FinishReason.LENGTH;
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
        return join(scheduler.submitLogits(tokens));
    }

    /**
     * The logits of every position of {@code tokens} with each {@code <start_of_image>} id followed by the next
     * image's 256 positions (the caller writes {@code <end_of_image>}): row-major [tokens + 256 x images][vocab],
     * the layout of llama.cpp's per-position logits over an mtmd prompt.
     */
    public float[] logits(int[] tokens, List<RgbImage> images) {
        if (images.isEmpty()) {
            return logits(tokens);
        }
        ImagePrompt.Expanded prompt = ImagePrompt.expand(tokens, tokenizer.tokenId(ImagePrompt.START), -1,
                images.size(), PromptEmbeddings.PER_LAYER_TOKEN);
        List<float[]> embeddings = requireVision().embed(images);
        return join(scheduler.submitLogits(prompt.tokens(), imageInputs(prompt, embeddings)));
    }

    private static <T> T join(CompletableFuture<T> f) {
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

    /**
     * Stops the scheduler and frees the backend, the pool and owned weights; later calls do nothing. A context may
     * be closed by its owner and again at shutdown (the connector's registry, a shutdown hook), and a second release
     * of an OpenCL backend's handles would crash the JVM in the driver.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.close();
        backend.close();
        pool.close();
        if (ownsWeights) {
            weights.close();
        }
    }
}
