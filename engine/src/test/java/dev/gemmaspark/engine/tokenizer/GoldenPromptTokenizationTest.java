package dev.gemmaspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden reference runs ({@code golden/refs/<model>/<pid>.json}, listed in the manifest): llama.cpp's prompt
 * tokens on each model's 500-token test vocabulary, and the pieces it printed for prompt and generated tokens.
 */
class GoldenPromptTokenizationTest {
    static List<Named<JsonNode>> references() {
        List<Named<JsonNode>> refs = new ArrayList<>();
        for (JsonNode c : GoldenData.json("manifest.json").get("cases")) {
            String json = c.get("files").get("default").get("json").asText();
            refs.add(Named.of(c.get("name").asText(), GoldenData.json(json)));
        }
        return refs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("references")
    void promptTokensMatchLlamaCpp(JsonNode ref) {
        GemmaTokenizer tok = GoldenData.tokenizer("models/" + ref.get("model").asText());
        String prompt = ref.get("prompt").asText();
        // The references tokenized with add_special and parse_special both true.
        assertTrue(ref.get("add_special").asBoolean() && ref.get("parse_special").asBoolean());
        int[] expected = GoldenData.ints(ref.get("prompt_tokens"));

        assertArrayEquals(expected, tok.encode(prompt, true, true), "prompt " + prompt);
        assertEquals(ref.get("n_vocab").asInt(), tok.vocabSize());
        assertEquals(tok.piece(tok.bosId()) + prompt, tok.decode(expected, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("references")
    void piecesMatchLlamaCpp(JsonNode ref) {
        GemmaTokenizer tok = GoldenData.tokenizer("models/" + ref.get("model").asText());
        assertPieces(tok, GoldenData.ints(ref.get("prompt_tokens")), ref.get("prompt_pieces"),
                ref.get("prompt_pieces_hex"));
        assertPieces(tok, GoldenData.ints(ref.get("generated_tokens")), ref.get("generated_pieces"),
                ref.get("generated_pieces_hex"));
    }

    private static void assertPieces(GemmaTokenizer tok, int[] ids, JsonNode pieces, JsonNode hexPieces) {
        assertEquals(ids.length, hexPieces.size());
        for (int i = 0; i < ids.length; i++) {
            String label = "piece of token " + i + " (id " + ids[i] + ")";
            assertArrayEquals(GoldenData.hex(hexPieces.get(i).asText()), tok.render(new int[] {ids[i]}, true), label);
            String text = pieces.get(i).asText();
            if (!text.contains("\uFFFD")) { // a lone byte of a multi-byte character is no text by itself
                assertEquals(text, tok.decode(new int[] {ids[i]}, true), label);
            }
        }
    }
}
