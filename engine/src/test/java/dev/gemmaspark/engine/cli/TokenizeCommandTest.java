package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenize} on the real Gemma vocabulary, against llama.cpp's ids in {@code golden/tokenizer/cases.jsonl}. */
class TokenizeCommandTest {
    private static final String VOCAB = Golden.model("gemma3-vocab").toString();

    private static JsonNode golden(String id) {
        try {
            for (String line : Files.readAllLines(Golden.path("tokenizer/cases.jsonl"), StandardCharsets.UTF_8)) {
                JsonNode c = Main.JSON.readTree(line);
                if (c.get("id").asText().equals(id)) {
                    return c;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalArgumentException("no tokenizer case " + id);
    }

    private static String idsLine(JsonNode ids) {
        return "{\"ids\":" + ids + "}\n";
    }

    @Test
    void chatMarkupGivesLlamaCppsIdsWithAndWithoutSpecialTokens() {
        JsonNode c = golden("s126"); // <start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n
        CliRun special = CliRun.of("tokenize", "--model", VOCAB, "--text", c.get("text").asText(), "--json");
        assertEquals(0, special.status(), special.err());
        assertEquals(idsLine(c.get("ids_special")), special.out());

        CliRun plain = CliRun.of("tokenize", "--model", VOCAB, "--text", c.get("text").asText(), "--no-special",
                "--json");
        assertEquals(idsLine(c.get("ids_plain")), plain.out());
    }

    @Test
    void plainOutputIsTheIdsSeparatedBySpaces() {
        JsonNode c = golden("s000"); // Hello world
        CliRun r = CliRun.of("tokenize", "--model", VOCAB, "--text", c.get("text").asText());
        List<String> ids = new ArrayList<>();
        c.get("ids_special").forEach(id -> ids.add(id.asText()));
        assertEquals(String.join(" ", ids) + "\n", r.out());
    }

    @Test
    void jsonlGivesOneIdsLinePerTextLine(@TempDir Path dir) throws IOException {
        String[] cases = {"s000", "s126", "s134", "s005"};
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (String id : cases) {
            JsonNode c = golden(id);
            in.append(Main.JSON.writeValueAsString(Map.of("text", c.get("text").asText(), "id", id)))
                    .append('\n');
            expected.append(idsLine(c.get("ids_special")));
        }
        Path file = dir.resolve("texts.jsonl");
        Files.writeString(file, in, StandardCharsets.UTF_8);
        CliRun r = CliRun.of("tokenize", "--model", VOCAB, "--jsonl", file.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(expected.toString(), r.out());
    }

    @Test
    void aBadJsonlLineNamesTheFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"text\": \"Hello world\"}\n{\"body\": \"no text field\"}\n");
        CliRun r = CliRun.of("tokenize", "--model", VOCAB, "--jsonl", file.toString());
        assertEquals(1, r.status());
        assertEquals("gemma-spark: " + file + ":2: expected an object with a string field \"text\"\n", r.err());
        assertEquals(idsLine(golden("s000").get("ids_special")), r.out()); // the line before it was written
    }
}
