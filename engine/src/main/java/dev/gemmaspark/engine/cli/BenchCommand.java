package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code bench}: throughput as llama-bench and llama-batched-bench measure it. {@code pp}: one prompt of
 * {@code -p} tokens in as few passes as the batch allows; {@code tg}: {@code -n} tokens decoded one by one
 * from a one-token prompt; then for each {@code --parallel} count, that many sequences of {@code -p} prompt
 * and {@code -n} new tokens run together through the scheduler. Prompts are random token ids and
 * end-of-generation tokens are ignored, so every run does the same work. With {@code --score} or {@code
 * --classify K}, the {@code --parallel} counts apply to scoring or classification requests instead ({@link
 * ScoringBench}), with {@code pp} as the reference. With {@code --audio}, the audio encoder's and transcription's
 * real-time factors instead ({@link AudioBench}); with {@code --image}, the vision encoder's images per second and
 * captions per second ({@link ImageBench}). With {@code --shared-prefix S}, the {@code --parallel} counts apply to
 * requests that share their first {@code S} tokens, with the prefix cache and without it ({@link PrefixBench}).
 */
final class BenchCommand implements Command {
    /** Prompts run before anything is timed, besides one generation, so that the kernels are compiled. */
    private static final int WARM_UP_PROMPTS = 3;
    private static final Option PROMPT = Option.value("-p", "N", "prompt tokens (default 128)");
    private static final Option GENERATE = Option.value("-n", "N", "generated tokens (default 64)");
    private static final Option PARALLEL = Option.value("--parallel", "LIST",
            "numbers of parallel sequences, comma-separated (default 1,4,16)");
    private static final Option REPETITIONS = Option.value("-r", "N", "repetitions of each test (default 3)");
    private static final Option MAX_SEQUENCES = Option.value("--max-sequences", "N",
            "sequences the scheduler runs together (default: the largest --parallel count; 0: automatic, from the"
                    + " KV-cache budget, at most 64)");
    private static final Option JSON = Option.flag("--json", "print the results as JSON");

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure prompt and generation throughput, alone and with parallel sequences, or audio speed";
    }

    @Override
    public String synopsis() {
        return "--model M.gguf [--audio [--audio-seconds 30] [--audio-q8_0] | --mmproj P.gguf --image] [--score]"
                + " [--classify K] [--shared-prefix S] [-p 128] [-n 64] [--parallel 1,4,16] [--max-sequences N] [-r 3]"
                + " [--threads N] [--device cpu|opencl[:N]] [--json]";
    }

    @Override
    public List<Option> options() {
        return List.of(ModelOptions.MODEL, ModelOptions.THREADS, ModelOptions.DEVICE, PROMPT, GENERATE, PARALLEL,
                MAX_SEQUENCES, REPETITIONS, JSON, ScoringBench.SCORE, ScoringBench.CLASSIFY, PrefixBench.SHARED_PREFIX,
                AudioBench.AUDIO, AudioBench.SECONDS, AudioBench.Q8_0, ImageBench.IMAGE, ModelOptions.MMPROJ);
    }

    /** Mean and sample standard deviation of repeated measurements. */
    record Stat(double mean, double sd) {
        static Stat of(double[] xs) {
            double mean = Arrays.stream(xs).average().orElse(Double.NaN);
            double var = 0;
            for (double x : xs) {
                var += (x - mean) * (x - mean);
            }
            return new Stat(mean, xs.length > 1 ? Math.sqrt(var / (xs.length - 1)) : 0);
        }

        ObjectNode json() {
            return Main.JSON.createObjectNode().put("mean", mean).put("sd", sd);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%8.2f ± %.2f", mean, sd);
        }
    }

    /** One row of llama-batched-bench: prompt, generation and overall tokens per second, summed. */
    record Parallel(int sequences, Stat prompt, Stat generation, Stat total) {
    }

    /** What one run measured; the lists of the tests it did not run are empty, and {@code tg} null. */
    private record Report(Path path, GemmaModel model, boolean automatic, int p, int n, int reps, Stat pp, Stat tg,
                          List<Parallel> parallel, List<ScoringBench.ScoreRow> scores, int labels,
                          List<ScoringBench.ClassifyRow> classify, PrefixBench prefixBench,
                          List<PrefixBench.Row> prefixes, long peak) {
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        if (args.has(ImageBench.IMAGE.name())) {
            for (Option other : List.of(PROMPT, PARALLEL, MAX_SEQUENCES, ScoringBench.SCORE, ScoringBench.CLASSIFY,
                    PrefixBench.SHARED_PREFIX, AudioBench.AUDIO, AudioBench.SECONDS, AudioBench.Q8_0)) {
                UsageException.require(!args.has(other.name()), other.name(), "is not used with --image");
            }
            ImageBench.run(args, positive(args, GENERATE, ImageBench.DEFAULT_TOKENS), positive(args, REPETITIONS, 3),
                    args.has(JSON.name()), out);
            return;
        }
        UsageException.require(!args.has(ModelOptions.MMPROJ.name()), ModelOptions.MMPROJ.name(), "needs --image");
        if (args.has(AudioBench.AUDIO.name())) {
            for (Option textOnly : List.of(PROMPT, PARALLEL, MAX_SEQUENCES, ScoringBench.SCORE, ScoringBench.CLASSIFY,
                    PrefixBench.SHARED_PREFIX)) {
                UsageException.require(!args.has(textOnly.name()), textOnly.name(), "is not used with --audio");
            }
            AudioBench.run(args, positive(args, GENERATE, AudioBench.DEFAULT_TOKENS), positive(args, REPETITIONS, 3),
                    args.has(JSON.name()), out);
            return;
        }
        for (Option audioOnly : List.of(AudioBench.SECONDS, AudioBench.Q8_0)) {
            UsageException.require(!args.has(audioOnly.name()), audioOnly.name(), "needs --audio");
        }
        boolean score = args.has(ScoringBench.SCORE.name());
        int labels = args.has(ScoringBench.CLASSIFY.name()) ? positive(args, ScoringBench.CLASSIFY, 0) : 0;
        boolean scoring = score || labels > 0;
        int shared = args.has(PrefixBench.SHARED_PREFIX.name()) ? positive(args, PrefixBench.SHARED_PREFIX, 0) : 0;
        UsageException.require(shared == 0 || !scoring, PrefixBench.SHARED_PREFIX.name(),
                "is not used with --score or --classify");
        UsageException.require(!scoring || !args.has(GENERATE.name()), GENERATE.name(),
                "is not used with --score or --classify (they generate nothing)");
        int p = positive(args, PROMPT, 128);
        int n = scoring ? 1 : positive(args, GENERATE, 64);
        int reps = positive(args, REPETITIONS, 3);
        int[] parallel = parallel(args);
        int maxParallel = Arrays.stream(parallel).max().orElse(1);
        int maxSequences = args.intValue(MAX_SEQUENCES.name(), maxParallel);
        UsageException.require(maxSequences >= 0, MAX_SEQUENCES.name(), "must be 0 (automatic) or more, got "
                + maxSequences);
        // a scored text is BOS and p tokens; a classified chat p tokens and then a label
        int context = scoring ? p + ScoringBench.LABEL_TOKENS + 1 : shared + p + n + 1;
        EngineOptions options = ModelOptions.engineOptions(args).withContextLength(context)
                .withMaxSequences(maxSequences).withBatchTokens(Math.max(p, Math.max(maxParallel, maxSequences)));
        Path path = ModelOptions.model(args);
        try (GemmaModel model = GemmaModel.load(path, options);
             GemmaModel uncached = shared > 0 ? GemmaModel.create(model.weights(), options.withPrefixCacheMB(0)) : null) {
            if (labels > 0) {
                int least = ScoringBench.minimumChatTokens(model.tokenizer());
                UsageException.require(p >= least, PROMPT.name(), "must be at least " + least + " with --classify: the"
                        + " chat template around one word takes that many tokens");
            }
            SplittableRandom random = new SplittableRandom(42);
            // Warm-up, as llama-bench's, but longer: C2 compiles the largest kernels only after a few passes
            // (E2B Q4_0, pp128 at -r 8 after one warm-up pass: 52.6 tok/s in the first timed pass, then 68-72).
            for (int i = 0; i < WARM_UP_PROMPTS; i++) {
                model.generate(request(model, p, 1, random));
            }
            measure(model, p, n, 1, random);
            ScoringBench scorer = scoring ? new ScoringBench(model, p, random) : null;
            if (scorer != null) {
                scorer.warmUp(score, labels);
            }
            PrefixBench prefixBench = shared > 0 ? new PrefixBench(model, uncached, shared, p, n, random) : null;
            if (prefixBench != null) {
                prefixBench.warmUp();
            }
            double[] pp = new double[reps];
            double[] tg = new double[reps];
            for (int r = 0; r < reps; r++) {
                pp[r] = p / seconds(() -> model.generate(request(model, p, 1, random)));
                if (!scoring) {
                    tg[r] = n / seconds(() -> model.generate(request(model, 1, n, random)));
                }
            }
            List<Parallel> rows = new ArrayList<>();
            List<ScoringBench.ScoreRow> scores = new ArrayList<>();
            List<ScoringBench.ClassifyRow> classify = new ArrayList<>();
            List<PrefixBench.Row> prefixes = new ArrayList<>();
            for (int np : parallel) {
                if (score) {
                    scores.add(scorer.score(np, reps));
                }
                if (labels > 0) {
                    classify.add(scorer.classify(np, labels, reps));
                }
                if (prefixBench != null) {
                    prefixes.add(prefixBench.measure(np, reps));
                } else if (!scoring) {
                    rows.add(generation(model, p, n, np, reps, random));
                }
            }
            Report report = new Report(path, model, maxSequences == 0, p, n, reps, Stat.of(pp),
                    scoring ? null : Stat.of(tg), rows, scores, labels, classify, prefixBench, prefixes,
                    peakResidentBytes());
            if (args.has(JSON.name())) {
                out.println(Main.JSON.writeValueAsString(json(report)));
            } else {
                print(out, report);
            }
        }
    }

    /** {@code sequences} generations together, {@code reps} times. */
    private static Parallel generation(GemmaModel model, int p, int n, int sequences, int reps,
                                       SplittableRandom random) {
        double[][] s = new double[3][reps];
        for (int r = 0; r < reps; r++) {
            double[] m = measure(model, p, n, sequences, random);
            for (int k = 0; k < 3; k++) {
                s[k][r] = m[k];
            }
        }
        return new Parallel(sequences, Stat.of(s[0]), Stat.of(s[1]), Stat.of(s[2]));
    }

    private static int positive(Arguments args, Option o, int fallback) {
        int v = args.intValue(o.name(), fallback);
        UsageException.require(v >= 1, o.name(), "must be at least 1, got " + v);
        return v;
    }

    private static int[] parallel(Arguments args) {
        String list = args.string(PARALLEL.name());
        if (list == null) {
            return new int[] {1, 4, 16};
        }
        try {
            int[] out = Arrays.stream(list.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            for (int v : out) {
                UsageException.require(v >= 1, PARALLEL.name(), "counts must be at least 1, got " + v);
            }
            return out;
        } catch (NumberFormatException e) {
            throw UsageException.of(PARALLEL.name(), "'" + list + "' is not a comma-separated list of integers");
        }
    }

    /** A request of {@code promptTokens} random ids (BOS first) that generates exactly {@code outputTokens}. */
    private static GenerationRequest request(GemmaModel model, int promptTokens, int outputTokens,
                                             SplittableRandom random) {
        int[] tokens = new int[promptTokens];
        tokens[0] = model.tokenizer().bosId();
        int vocab = model.config().vocabSize();
        for (int i = 1; i < promptTokens; i++) {
            tokens[i] = random.nextInt(vocab);
        }
        return GenerationRequest.tokens(tokens, SamplingParams.GREEDY.withMaxTokens(outputTokens).withIgnoreEos(true));
    }

    /**
     * {@code sequences} requests at once; returns summed tokens/s of prompt processing (until every
     * sequence had its first token), of generation after that, and overall.
     */
    private static double[] measure(GemmaModel model, int p, int n, int sequences, SplittableRandom random) {
        AtomicLongArray firstToken = new AtomicLongArray(sequences);
        AtomicLongArray laterTokens = new AtomicLongArray(sequences * (n - 1));
        AtomicInteger later = new AtomicInteger();
        long start = System.nanoTime();
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int i = 0; i < sequences; i++) {
            int id = i;
            futures.add(model.submit(request(model, p, n, random), (token, text) -> {
                long now = System.nanoTime();
                if (!firstToken.compareAndSet(id, 0, now)) {
                    laterTokens.set(later.getAndIncrement(), now);
                }
            }));
        }
        futures.forEach(CompletableFuture::join);
        long end = System.nanoTime();
        long[] first = new long[sequences];
        for (int i = 0; i < sequences; i++) {
            first[i] = firstToken.get(i);
        }
        long[] others = new long[later.get()];
        for (int i = 0; i < others.length; i++) {
            others[i] = laterTokens.get(i);
        }
        return rates(p, n, start, first, others, end);
    }

    /**
     * Summed tokens/s of one parallel run from when its tokens came: the prompts' until the last sequence had its
     * first token, generation's from then on, counting only the tokens generated after that moment (sequences
     * whose prompts were in early decode while later prompts are still prefilled, as llama-batched-bench's phases
     * do not), and overall.
     *
     * @param firstTokens when each sequence got its first token (its prompt was in)
     * @param laterTokens when each of the other tokens came, all sequences together
     */
    static double[] rates(int p, int n, long start, long[] firstTokens, long[] laterTokens, long end) {
        long prefilled = Arrays.stream(firstTokens).max().orElse(start);
        long generated = Arrays.stream(laterTokens).filter(t -> t > prefilled).count();
        int sequences = firstTokens.length;
        double prompt = (double) sequences * p / ((prefilled - start) / 1e9);
        double generation = generated / ((end - prefilled) / 1e9);
        double total = (double) sequences * (p + n) / ((end - start) / 1e9);
        return new double[] {prompt, generation, total};
    }

    private static double seconds(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1e9;
    }

    /** The process's peak resident memory (VmHWM), or -1 where /proc does not tell. */
    static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static void print(PrintStream out, Report r) throws IOException {
        long bytes = Files.size(r.path());
        out.printf(Locale.ROOT, "model %s (%.0f MiB), %d threads, %d sequences at most%s, %d repetitions%n", r.path(),
                bytes / 1048576.0, r.model().options().threads(), r.model().maxSequences(),
                r.automatic() ? " (automatic)" : "", r.reps());
        out.printf(Locale.ROOT, "%-24s %18s%n", "test", "tokens/s");
        out.printf(Locale.ROOT, "%-24s %18s%n", "pp" + r.p(), r.pp());
        if (r.tg() != null) {
            out.printf(Locale.ROOT, "%-24s %18s%n", "tg" + r.n(), r.tg());
        }
        if (!r.parallel().isEmpty()) {
            out.printf(Locale.ROOT, "%n%-10s %20s %20s %20s%n", "parallel", "prompt tok/s", "generation tok/s",
                    "total tok/s");
            for (Parallel row : r.parallel()) {
                out.printf(Locale.ROOT, "%-10d %20s %20s %20s%n", row.sequences(), row.prompt(), row.generation(),
                        row.total());
            }
        }
        if (!r.scores().isEmpty()) {
            ScoringBench.printScores(out, r.p(), r.scores());
        }
        if (!r.classify().isEmpty()) {
            ScoringBench.printClassify(out, r.p(), r.labels(), r.classify());
        }
        if (r.prefixBench() != null) {
            r.prefixBench().print(out, r.prefixes());
        }
        out.printf(Locale.ROOT, "%npeak resident memory %.0f MiB (model file %.0f MiB)%n", r.peak() / 1048576.0,
                bytes / 1048576.0);
    }

    private static ObjectNode json(Report r) throws IOException {
        ObjectNode o = Main.JSON.createObjectNode();
        o.put("model", r.path().toString()).put("model_bytes", Files.size(r.path()))
                .put("threads", r.model().options().threads()).put("max_sequences", r.model().maxSequences())
                .put("automatic_max_sequences", r.automatic()).put("repetitions", r.reps())
                .put("prompt_tokens", r.p());
        o.set("pp_tokens_per_second", r.pp().json());
        if (r.tg() != null) {
            o.put("generated_tokens", r.n());
            o.set("tg_tokens_per_second", r.tg().json());
        }
        if (!r.parallel().isEmpty()) {
            ArrayNode par = o.putArray("parallel");
            for (Parallel row : r.parallel()) {
                ObjectNode j = par.addObject().put("sequences", row.sequences());
                j.set("prompt_tokens_per_second", row.prompt().json());
                j.set("generation_tokens_per_second", row.generation().json());
                j.set("total_tokens_per_second", row.total().json());
            }
        }
        if (!r.scores().isEmpty()) {
            o.set("score", ScoringBench.scoresJson(r.scores()));
        }
        if (!r.classify().isEmpty()) {
            o.set("classify", ScoringBench.classifyJson(r.labels(), r.classify()));
        }
        if (r.prefixBench() != null) {
            o.set("shared_prefix", r.prefixBench().json(r.prefixes()));
        }
        o.put("peak_resident_bytes", r.peak());
        return o;
    }
}
