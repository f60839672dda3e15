package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code tokenize}: token ids of a text, or of every line of a JSONL file (streamed line by line, for counting
 * tokens in bulk). Needs only the vocabulary, so a vocabulary-only GGUF will do and no weights are loaded.
 */
final class TokenizeCommand implements Command {
    private static final Option TEXT = Option.value("--text", "T", "the text to tokenize");
    private static final Option JSONL = Option.value("--jsonl", "F",
            "a file of {\"text\": ...} lines ('-': stdin); prints one {\"ids\": [...]} line per input line");
    private static final Option JSON = Option.flag("--json", "print {\"ids\": [...]} instead of bare ids");
    private static final Option NO_SPECIAL = Option.flag("--no-special",
            "add no BOS and read <start_of_turn> etc. as plain text (default: both)");

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "token ids of a text, or of each line of a JSONL file";
    }

    @Override
    public String synopsis() {
        return "--model M.gguf (--text T | --jsonl F) [--json] [--no-special]";
    }

    @Override
    public List<Option> options() {
        return List.of(ModelOptions.MODEL, TEXT, JSONL, JSON, NO_SPECIAL);
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        Path model = ModelOptions.model(args);
        args.requireOneOf(TEXT.name(), JSONL.name());
        boolean special = !args.has(NO_SPECIAL.name());
        try (GGUFFile file = GGUFFile.open(model)) {
            GemmaTokenizer tokenizer = GemmaTokenizer.fromGGUF(file);
            String text = args.string(TEXT.name());
            if (text != null) {
                int[] ids = tokenizer.encode(text, special, special);
                out.println(args.has(JSON.name()) ? idsJson(ids)
                        : Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            } else {
                tokenizeLines(tokenizer, args.string(JSONL.name()), special, out);
            }
        }
    }

    private static void tokenizeLines(GemmaTokenizer tokenizer, String source, boolean special, PrintStream out)
            throws IOException {
        try (BufferedReader in = "-".equals(source)
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(source), StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                out.println(idsJson(tokenizer.encode(text(line, source, lineNo), special, special)));
            }
        }
    }

    /** The {@code text} field of one JSONL line; anything else is an error naming the file and line. */
    private static String text(String line, String source, int lineNo) {
        JsonNode node;
        try {
            node = Main.JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ":" + lineNo + ": not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode text = node.get("text");
        if (!node.isObject() || text == null || !text.isTextual()) {
            throw new IllegalArgumentException(source + ":" + lineNo + ": expected an object with a string field "
                    + "\"text\"");
        }
        return text.asText();
    }

    private static String idsJson(int[] ids) throws JsonProcessingException {
        return Main.JSON.writeValueAsString(Map.of("ids", ids));
    }
}
