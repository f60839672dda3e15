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
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code bench}: throughput as llama-bench and llama-batched-bench measure it. {@code pp}: one prompt of
 * {@code -p} tokens in as few passes as the batch allows; {@code tg}: {@code -n} tokens decoded one by one
 * from a one-token prompt; then for each {@code --parallel} count, that many sequences of {@code -p} prompt
 * and {@code -n} new tokens run together through the scheduler. Prompts are random token ids and
 * end-of-generation tokens are ignored, so every run does the same work. With {@code --audio}, the audio
 * encoder's and transcription's real-time factors instead ({@link AudioBench}).
 */
final class BenchCommand implements Command {
    private static final Option PROMPT = Option.value("-p", "N", "prompt tokens (default 128)");
    private static final Option GENERATE = Option.value("-n", "N", "generated tokens (default 64)");
    private static final Option PARALLEL = Option.value("--parallel", "LIST",
            "numbers of parallel sequences, comma-separated (default 1,4,16)");
    private static final Option REPETITIONS = Option.value("-r", "N", "repetitions of each test (default 3)");
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
        return "--model M.gguf [--audio [--audio-seconds 30] [--audio-q8_0]] [-p 128] [-n 64] [--parallel 1,4,16] [-r 3]"
                + " [--threads N] [--json]";
    }

    @Override
    public List<Option> options() {
        return List.of(ModelOptions.MODEL, ModelOptions.THREADS, PROMPT, GENERATE, PARALLEL, REPETITIONS, JSON,
                AudioBench.AUDIO, AudioBench.SECONDS, AudioBench.Q8_0);
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
            return String.format("%8.2f ± %.2f", mean, sd);
        }
    }

    /** One row of llama-batched-bench: prompt, generation and overall tokens per second, summed. */
    record Parallel(int sequences, Stat prompt, Stat generation, Stat total) {
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        if (args.has(AudioBench.AUDIO.name())) {
            for (Option textOnly : List.of(PROMPT, PARALLEL)) {
                UsageException.require(!args.has(textOnly.name()), textOnly.name(), "is not used with --audio");
            }
            AudioBench.run(args, positive(args, GENERATE, AudioBench.DEFAULT_TOKENS), positive(args, REPETITIONS, 3),
                    args.has(JSON.name()), out);
            return;
        }
        for (Option audioOnly : List.of(AudioBench.SECONDS, AudioBench.Q8_0)) {
            UsageException.require(!args.has(audioOnly.name()), audioOnly.name(), "needs --audio");
        }
        int p = positive(args, PROMPT, 128);
        int n = positive(args, GENERATE, 64);
        int reps = positive(args, REPETITIONS, 3);
        int[] parallel = parallel(args);
        int maxParallel = Arrays.stream(parallel).max().orElse(1);
        EngineOptions options = ModelOptions.engineOptions(args).withContextLength(p + n + 1)
                .withMaxSequences(maxParallel).withBatchTokens(Math.max(p, maxParallel));
        Path path = ModelOptions.model(args);
        try (GemmaModel model = GemmaModel.load(path, options)) {
            SplittableRandom random = new SplittableRandom(42);
            measure(model, p, n, 1, random); // warm-up: JIT-compiles the kernels before anything is timed
            double[] pp = new double[reps];
            double[] tg = new double[reps];
            for (int r = 0; r < reps; r++) {
                pp[r] = p / seconds(() -> model.generate(request(model, p, 1, random)));
                tg[r] = n / seconds(() -> model.generate(request(model, 1, n, random)));
            }
            List<Parallel> rows = new ArrayList<>();
            for (int np : parallel) {
                double[][] s = new double[3][reps];
                for (int r = 0; r < reps; r++) {
                    double[] m = measure(model, p, n, np, random);
                    for (int k = 0; k < 3; k++) {
                        s[k][r] = m[k];
                    }
                }
                rows.add(new Parallel(np, Stat.of(s[0]), Stat.of(s[1]), Stat.of(s[2])));
            }
            long peak = peakResidentBytes();
            if (args.has(JSON.name())) {
                out.println(Main.JSON.writeValueAsString(json(model, path, p, n, reps, Stat.of(pp), Stat.of(tg), rows,
                        peak)));
            } else {
                print(out, model, path, p, n, reps, Stat.of(pp), Stat.of(tg), rows, peak);
            }
        }
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
        AtomicLong lateTokens = new AtomicLong();
        long start = System.nanoTime();
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int i = 0; i < sequences; i++) {
            int id = i;
            futures.add(model.submit(request(model, p, n, random), (token, text) -> {
                if (!firstToken.compareAndSet(id, 0, System.nanoTime())) {
                    lateTokens.incrementAndGet();
                }
            }));
        }
        futures.forEach(CompletableFuture::join);
        long end = System.nanoTime();
        long prefilled = 0;
        for (int i = 0; i < sequences; i++) {
            prefilled = Math.max(prefilled, firstToken.get(i));
        }
        // tokens after the last prompt was in: those of the generation phase
        long generated = (long) sequences * n - sequences;
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

    private static void print(PrintStream out, GemmaModel model, Path path, int p, int n, int reps, Stat pp,
                              Stat tg, List<Parallel> rows, long peak) throws IOException {
        out.printf("model %s (%.0f MiB), %d threads, %d repetitions%n", path, Files.size(path) / 1048576.0,
                model.options().threads(), reps);
        out.printf("%-24s %18s%n", "test", "tokens/s");
        out.printf("%-24s %18s%n", "pp" + p, pp);
        out.printf("%-24s %18s%n", "tg" + n, tg);
        out.printf("%n%-10s %20s %20s %20s%n", "parallel", "prompt tok/s", "generation tok/s", "total tok/s");
        for (Parallel r : rows) {
            out.printf("%-10d %20s %20s %20s%n", r.sequences(), r.prompt(), r.generation(), r.total());
        }
        out.printf("%npeak resident memory %.0f MiB (model file %.0f MiB)%n", peak / 1048576.0,
                Files.size(path) / 1048576.0);
    }

    private static ObjectNode json(GemmaModel model, Path path, int p, int n, int reps, Stat pp, Stat tg,
                                   List<Parallel> rows, long peak) throws IOException {
        ObjectNode o = Main.JSON.createObjectNode();
        o.put("model", path.toString()).put("model_bytes", Files.size(path))
                .put("threads", model.options().threads()).put("repetitions", reps)
                .put("prompt_tokens", p).put("generated_tokens", n);
        o.set("pp_tokens_per_second", pp.json());
        o.set("tg_tokens_per_second", tg.json());
        ArrayNode par = o.putArray("parallel");
        for (Parallel r : rows) {
            ObjectNode row = par.addObject().put("sequences", r.sequences());
            row.set("prompt_tokens_per_second", r.prompt().json());
            row.set("generation_tokens_per_second", r.generation().json());
            row.set("total_tokens_per_second", r.total().json());
        }
        o.put("peak_resident_bytes", peak);
        return o;
    }
}
