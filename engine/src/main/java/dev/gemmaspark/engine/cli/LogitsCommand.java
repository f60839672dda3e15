package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.vision.RgbImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code logits}: the logits of every position of a token sequence, computed in one batched pass and written as
 * a float32 {@code .npy} of shape [tokens, vocabulary], the layout of the golden reference files. A {@code --text}
 * is tokenized as {@code generate --raw} tokenizes its prompt.
 */
final class LogitsCommand implements Command {
    private static final Option TOKENS = Option.value("--tokens", "2,17,99",
            "comma-separated token ids, used exactly as given (no BOS added)");
    private static final Option TEXT = Option.value("--text", "T",
            "a text, tokenized with BOS (control-token text in it stays text unless --parse-special)");
    private static final Option OUT = Option.value("--out", "F.npy", "the output file (required)");

    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "logits of every position of a token sequence, written as a float32 .npy [tokens, vocab]";
    }

    @Override
    public String synopsis() {
        return "--model M.gguf (--tokens 2,17,99 | --text T [--parse-special]) [--mmproj P.gguf --image F ...]"
                + " --out F.npy";
    }

    @Override
    public List<Option> options() {
        List<Option> all = new ArrayList<>(ModelOptions.LOAD);
        all.addAll(List.of(TOKENS, TEXT, GenerateCommand.PARSE_SPECIAL, ModelOptions.MMPROJ, ModelOptions.IMAGE, OUT));
        return all;
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        args.requireOneOf(TOKENS.name(), TEXT.name());
        Path file = args.path(OUT.name());
        int[] given = args.has(TOKENS.name()) ? parseTokens(args.string(TOKENS.name())) : null;
        String text = args.string(TEXT.name());
        UsageException.require(text == null || !text.isEmpty(), TEXT.name(), "the text is empty");
        boolean parseSpecial = args.has(GenerateCommand.PARSE_SPECIAL.name());
        UsageException.require(text != null || !parseSpecial, GenerateCommand.PARSE_SPECIAL.name(),
                "applies to --text, not to --tokens");
        List<RgbImage> images = ModelOptions.images(args);
        try (GemmaModel model = ModelOptions.load(args, err)) {
            int[] tokens = given != null ? given : model.tokenizer().encode(text, true, parseSpecial);
            int vocab = model.config().vocabSize();
            for (int t : tokens) {
                UsageException.require(t < vocab, TOKENS.name(),
                        "token id " + t + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
            long start = System.nanoTime();
            float[] logits = model.logits(tokens, images);
            int rows = logits.length / vocab;
            if (args.has(Main.VERBOSE.name())) {
                err.printf("%d positions in %.2f s%n", rows, (System.nanoTime() - start) / 1e9);
            }
            new NpyArray(new int[] {rows, vocab}, logits).write(file);
            out.printf("wrote %s: float32 [%d, %d]%n", file, rows, vocab);
        }
    }

    private static int[] parseTokens(String list) {
        String[] parts = list.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw UsageException.of(TOKENS.name(), "'" + parts[i] + "' is not a token id");
            }
            UsageException.require(ids[i] >= 0, TOKENS.name(), "token id " + ids[i] + " is negative");
        }
        return ids;
    }
}
