package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.cli.BenchCommand.Stat;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code bench --shared-prefix S}: the batch job whose rows share a system prompt or instruction. Each of {@code N}
 * requests is the same {@code S} tokens (BOS first), then {@code -p} tokens of its own, then {@code -n} generated
 * tokens; all {@code N} are submitted together, once to a context with the prefix cache and once to a context on
 * the same weights without it, alternately, so that a drift of the machine's speed weighs on both alike. Each
 * repetition draws a new shared prefix, so the cache starts without it and the figures are those of one batch
 * (the first row computes the prefix, the others copy it), not of later batches that find it cached.
 */
final class PrefixBench {
    static final Option SHARED_PREFIX = Option.value("--shared-prefix", "S",
            "measure the prefix cache: for each --parallel count N, N requests of the same S tokens and -p tokens of"
                    + " their own, with the prefix cache and without it");

    /** One configuration's wall time and its prompt positions computed and copied, per repetition. */
    record Side(Stat seconds, Stat computed, Stat cached) {
    }

    /** {@code requests} run together, with the cache and without; {@code speedup} is the time without over with. */
    record Row(int requests, Side cache, Side noCache, Stat speedup) {
    }

    private final GemmaModel cached;
    private final GemmaModel uncached;
    private final int shared;
    private final int own;
    private final int generated;
    private final SplittableRandom random;

    /**
     * @param cached   a context with the prefix cache
     * @param uncached a context on the same weights with {@code prefixCacheMB} 0
     */
    PrefixBench(GemmaModel cached, GemmaModel uncached, int shared, int own, int generated, SplittableRandom random) {
        if (uncached.options().prefixCacheMB() != 0 || cached.options().prefixCacheMB() == 0) {
            throw new IllegalArgumentException("one context with the prefix cache and one without it are needed");
        }
        this.cached = cached;
        this.uncached = uncached;
        this.shared = shared;
        this.own = own;
        this.generated = generated;
        this.random = random;
    }

    /** Runs one small batch through both contexts, untimed, so that the JIT has compiled the copying path. */
    void warmUp() {
        List<GenerationRequest> requests = requests(2);
        cached.generateAll(requests);
        uncached.generateAll(requests);
    }

    Row measure(int requests, int reps) {
        double[][] with = new double[3][reps];
        double[][] without = new double[3][reps];
        double[] speedup = new double[reps];
        for (int r = 0; r < reps; r++) {
            List<GenerationRequest> batch = requests(requests);
            if (r % 2 == 0) {
                run(cached, batch, with, r);
                run(uncached, batch, without, r);
            } else {
                run(uncached, batch, without, r);
                run(cached, batch, with, r);
            }
            speedup[r] = without[0][r] / with[0][r];
        }
        return new Row(requests, side(with), side(without), Stat.of(speedup));
    }

    private static Side side(double[][] m) {
        return new Side(Stat.of(m[0]), Stat.of(m[1]), Stat.of(m[2]));
    }

    /** Wall seconds, prompt positions computed and positions copied from the cache, into column {@code r}. */
    private static void run(GemmaModel model, List<GenerationRequest> batch, double[][] into, int r) {
        long computed = model.computedPromptTokens();
        long copied = model.cachedPromptTokens();
        long start = System.nanoTime();
        model.generateAll(batch);
        into[0][r] = (System.nanoTime() - start) / 1e9;
        into[1][r] = model.computedPromptTokens() - computed;
        into[2][r] = model.cachedPromptTokens() - copied;
    }

    /** {@code n} requests: one new random prefix of {@code shared} tokens, then random tokens of each one's own. */
    private List<GenerationRequest> requests(int n) {
        int vocab = cached.config().vocabSize();
        int[] prefix = new int[shared];
        prefix[0] = cached.tokenizer().bosId();
        for (int i = 1; i < shared; i++) {
            prefix[i] = random.nextInt(vocab);
        }
        SamplingParams params = SamplingParams.GREEDY.withMaxTokens(generated).withIgnoreEos(true);
        List<GenerationRequest> requests = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int[] tokens = new int[shared + own];
            System.arraycopy(prefix, 0, tokens, 0, shared);
            for (int i = shared; i < tokens.length; i++) {
                tokens[i] = random.nextInt(vocab);
            }
            requests.add(GenerationRequest.tokens(tokens, params));
        }
        return requests;
    }

    void print(PrintStream out, List<Row> rows) {
        out.printf(Locale.ROOT, "%nshared prefix: %d shared tokens, %d own, %d generated per request, submitted"
                + " together; a new prefix each repetition%n", shared, own, generated);
        out.printf(Locale.ROOT, "%-10s %-9s %16s %16s %16s %16s%n", "requests", "cache", "seconds", "computed",
                "copied", "speedup");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-10d %-9s %16s %16s %16s %16s%n", r.requests(), "on", r.cache().seconds(),
                    r.cache().computed(), r.cache().cached(), r.speedup());
            out.printf(Locale.ROOT, "%-10s %-9s %16s %16s %16s%n", "", "off", r.noCache().seconds(),
                    r.noCache().computed(), r.noCache().cached());
        }
    }

    ObjectNode json(List<Row> rows) {
        ObjectNode o = Main.JSON.createObjectNode().put("shared_tokens", shared).put("own_tokens", own)
                .put("generated_tokens", generated);
        ArrayNode a = o.putArray("rows");
        for (Row r : rows) {
            ObjectNode row = a.addObject().put("requests", r.requests());
            row.set("with_cache", json(r.cache()));
            row.set("without_cache", json(r.noCache()));
            row.set("speedup", r.speedup().json());
        }
        return o;
    }

    private static ObjectNode json(Side s) {
        ObjectNode o = Main.JSON.createObjectNode();
        o.set("seconds", s.seconds().json());
        o.set("prompt_tokens_computed", s.computed().json());
        o.set("prompt_tokens_copied", s.cached().json());
        return o;
    }
}
