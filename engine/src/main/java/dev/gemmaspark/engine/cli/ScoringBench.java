package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.cli.BenchCommand.Stat;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.tokenizer.ChatTemplate;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * {@code bench --score} and {@code bench --classify K}: the prefill-only requests, many submitted together as
 * Spark's tasks submit their rows. {@link GemmaModel} takes these as text, so the inputs are random words of
 * the vocabulary ({@link RandomText}) cut to the token counts asked for, rather than random token ids.
 * Scoring: {@code N} texts of {@code -p} tokens after BOS, reported as tokens scored per second. Classification:
 * {@code N} chats of {@code -p} tokens (template included) into {@code K} labels of {@value #LABEL_TOKENS} tokens,
 * timed against scoring one of the labels after each of the same chats: the ratio is what classifying into K
 * labels costs over scoring one.
 */
final class ScoringBench {
    /**
     * Tokens of each classification label: a few, as class names have; all but the first run from a copy of the
     * context's cache entries, which is where classification costs more than one score.
     */
    static final int LABEL_TOKENS = 3;
    static final Option SCORE = Option.flag("--score",
            "measure scoring instead of generation: for each --parallel count N, N texts of -p tokens scored together");
    static final Option CLASSIFY = Option.value("--classify", "K",
            "measure classification instead of generation: for each --parallel count N, N chats of -p tokens into K"
                    + " labels of " + LABEL_TOKENS + " tokens, against scoring one label after each chat");

    /** Texts scored together, and the tokens and texts scored per second. */
    record ScoreRow(int texts, Stat tokensPerSecond, Stat textsPerSecond) {
    }

    /**
     * Requests classified together; classifications and single-label scores per second; the time of the
     * classifications over that of the scores, repetition by repetition.
     */
    record ClassifyRow(int requests, Stat classifyPerSecond, Stat scorePerSecond, Stat relativeCost) {
    }

    private final GemmaModel model;
    private final GemmaTokenizer tokenizer;
    private final RandomText words;
    private final SplittableRandom random;
    private final int tokens;

    /**
     * @param tokens the tokens of each scored text (after BOS) and of each classified chat (template and BOS
     *               included)
     */
    ScoringBench(GemmaModel model, int tokens, SplittableRandom random) {
        this.model = model;
        this.tokenizer = model.tokenizer();
        this.words = new RandomText(tokenizer);
        this.random = random;
        this.tokens = tokens;
    }

    /** The fewest tokens a classified chat can have: the template's around one word. */
    static int minimumChatTokens(GemmaTokenizer tokenizer) {
        return tokenizer.encodeChat(List.of(ChatMessage.user("a")), true, false).length;
    }

    /** Runs each request kind to be measured once, untimed, so that the JIT has compiled its path. */
    void warmUp(boolean score, int labels) {
        if (score) {
            scoreTexts(texts(1));
        }
        if (labels > 0) {
            classify(chats(1), labels(labels));
        }
    }

    /** {@code n} texts scored together, {@code reps} times. */
    ScoreRow score(int n, int reps) {
        double[] tokensPerSecond = new double[reps];
        double[] textsPerSecond = new double[reps];
        for (int r = 0; r < reps; r++) {
            List<String> texts = texts(n);
            long start = System.nanoTime();
            long scored = scoreTexts(texts);
            double seconds = (System.nanoTime() - start) / 1e9;
            tokensPerSecond[r] = scored / seconds;
            textsPerSecond[r] = n / seconds;
        }
        return new ScoreRow(n, Stat.of(tokensPerSecond), Stat.of(textsPerSecond));
    }

    /** Submits every text before waiting for any, as a task hands its rows over; returns the tokens scored. */
    private long scoreTexts(List<String> texts) {
        List<CompletableFuture<ScoreResult>> futures = new ArrayList<>(texts.size());
        for (String text : texts) {
            futures.add(model.submitScore(null, text, false));
        }
        long scored = 0;
        for (CompletableFuture<ScoreResult> f : futures) {
            scored += f.join().tokens();
        }
        return scored;
    }

    /**
     * {@code requests} chats classified together into {@code labels} labels, and the same chats each scored with
     * the first label, {@code reps} times.
     */
    ClassifyRow classify(int requests, int labels, int reps) {
        double[] classifyPerSecond = new double[reps];
        double[] scorePerSecond = new double[reps];
        double[] relative = new double[reps];
        for (int r = 0; r < reps; r++) {
            List<List<ChatMessage>> chats = chats(requests);
            List<String> choices = labels(labels);
            // alternately first and second, so that a drift of the machine's speed weighs on both alike
            double classifySeconds;
            double scoreSeconds;
            if (r % 2 == 0) {
                classifySeconds = classify(chats, choices);
                scoreSeconds = scoreFirstLabel(chats, choices.getFirst());
            } else {
                scoreSeconds = scoreFirstLabel(chats, choices.getFirst());
                classifySeconds = classify(chats, choices);
            }
            classifyPerSecond[r] = requests / classifySeconds;
            scorePerSecond[r] = requests / scoreSeconds;
            relative[r] = classifySeconds / scoreSeconds;
        }
        return new ClassifyRow(requests, Stat.of(classifyPerSecond), Stat.of(scorePerSecond), Stat.of(relative));
    }

    private double classify(List<List<ChatMessage>> chats, List<String> labels) {
        long start = System.nanoTime();
        List<CompletableFuture<List<ScoreResult>>> futures = new ArrayList<>(chats.size());
        for (List<ChatMessage> chat : chats) {
            futures.add(model.submitClassify(chat, labels, false));
        }
        futures.forEach(CompletableFuture::join);
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Scores {@code label} after each templated chat: the template rendered as text with its control tokens
     * parsed gives the ids {@link GemmaModel#submitClassify} prefills (the words hold no control text).
     */
    private double scoreFirstLabel(List<List<ChatMessage>> chats, String label) {
        List<String> contexts = chats.stream().map(c -> ChatTemplate.render(c, true)).toList();
        long start = System.nanoTime();
        List<CompletableFuture<ScoreResult>> futures = new ArrayList<>(chats.size());
        for (String context : contexts) {
            futures.add(model.submitScore(context, label, true));
        }
        futures.forEach(CompletableFuture::join);
        return (System.nanoTime() - start) / 1e9;
    }

    private List<String> texts(int n) {
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            texts.add(words.text(tokens, t -> tokenizer.encode(t, false, false).length, random));
        }
        return texts;
    }

    private List<List<ChatMessage>> chats(int n) {
        List<List<ChatMessage>> chats = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String text = words.text(tokens, t -> tokenizer.encodeChat(List.of(ChatMessage.user(t)), true, false).length,
                    random);
            chats.add(List.of(ChatMessage.user(text)));
        }
        return chats;
    }

    private List<String> labels(int n) {
        List<String> labels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            labels.add(words.text(LABEL_TOKENS, t -> tokenizer.encode(t, false, false).length, random));
        }
        return labels;
    }

    static void printScores(PrintStream out, int tokens, List<ScoreRow> rows) {
        out.printf(Locale.ROOT, "%nscore: texts of %d tokens after BOS, submitted together%n", tokens);
        out.printf(Locale.ROOT, "%-10s %20s %20s%n", "texts", "scored tok/s", "texts/s");
        for (ScoreRow r : rows) {
            out.printf(Locale.ROOT, "%-10d %20s %20s%n", r.texts(), r.tokensPerSecond(), r.textsPerSecond());
        }
    }

    static void printClassify(PrintStream out, int tokens, int labels, List<ClassifyRow> rows) {
        out.printf(Locale.ROOT, "%nclassify: chats of %d tokens into %d labels of %d tokens, against scoring one label"
                + " after each%n", tokens, labels, LABEL_TOKENS);
        out.printf(Locale.ROOT, "%-10s %20s %20s %20s%n", "requests", "classify/s", "score/s", "classify/score");
        for (ClassifyRow r : rows) {
            out.printf(Locale.ROOT, "%-10d %20s %20s %20s%n", r.requests(), r.classifyPerSecond(), r.scorePerSecond(),
                    r.relativeCost());
        }
    }

    static ArrayNode scoresJson(List<ScoreRow> rows) {
        ArrayNode a = Main.JSON.createArrayNode();
        for (ScoreRow r : rows) {
            ObjectNode row = a.addObject().put("texts", r.texts());
            row.set("tokens_per_second", r.tokensPerSecond().json());
            row.set("texts_per_second", r.textsPerSecond().json());
        }
        return a;
    }

    static ObjectNode classifyJson(int labels, List<ClassifyRow> rows) {
        ObjectNode o = Main.JSON.createObjectNode().put("labels", labels).put("label_tokens", LABEL_TOKENS);
        ArrayNode a = o.putArray("rows");
        for (ClassifyRow r : rows) {
            ObjectNode row = a.addObject().put("requests", r.requests());
            row.set("classify_per_second", r.classifyPerSecond().json());
            row.set("score_per_second", r.scorePerSecond().json());
            row.set("cost_relative_to_score", r.relativeCost().json());
        }
        return o;
    }
}
