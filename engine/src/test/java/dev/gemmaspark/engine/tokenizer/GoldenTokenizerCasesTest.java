package dev.gemmaspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every case of {@code golden/tokenizer/cases.jsonl}: llama.cpp's ids, pieces and detokenization on the real
 * 262144-token vocabulary.
 */
class GoldenTokenizerCasesTest {
    static List<Named<JsonNode>> cases() {
        return GoldenData.tokenizerCases().stream()
                .map(c -> Named.of(c.get("id").asText() + " " + c.get("category").asText(), c))
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesLlamaCpp(JsonNode c) {
        GemmaTokenizer tok = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        String text = c.get("text").asText();
        String label = c.get("id").asText() + " (" + c.get("category").asText() + ") text=" + quote(text);

        int[] idsSpecial = GoldenData.ints(c.get("ids_special"));
        int[] idsPlain = GoldenData.ints(c.get("ids_plain"));
        assertIds(tok, label + " [addSpecial, parseSpecial]", idsSpecial, tok.encode(text, true, true));
        assertIds(tok, label + " [plain]", idsPlain, tok.encode(text, false, false));

        assertPieces(tok, label + " pieces_special_hex", idsSpecial, c.get("pieces_special_hex"));
        assertPieces(tok, label + " pieces_plain_hex", idsPlain, c.get("pieces_plain_hex"));

        // detok_* render special tokens as text and remove nothing (README section 8.4).
        assertEquals(c.get("detok_special").asText(), tok.decode(idsSpecial, true), label + " detok_special");
        assertEquals(c.get("detok_plain").asText(), tok.decode(idsPlain, true), label + " detok_plain");
        assertEquals(text, tok.decode(idsPlain, false), label + " decode(ids_plain) without special rendering");
    }

    private static void assertIds(GemmaTokenizer tok, String label, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual)) {
            assertEquals(describe(tok, expected), describe(tok, actual), label);
        }
    }

    private static void assertPieces(GemmaTokenizer tok, String label, int[] ids, JsonNode hexPieces) {
        assertEquals(ids.length, hexPieces.size(), label + ": one piece per id");
        for (int i = 0; i < ids.length; i++) {
            byte[] expected = GoldenData.hex(hexPieces.get(i).asText());
            assertArrayEquals(expected, tok.render(new int[] {ids[i]}, true),
                    label + " token " + i + " (id " + ids[i] + ")");
        }
    }

    /** Ids with their pieces, so a failure shows where the two tokenizations part. */
    private static String describe(GemmaTokenizer tok, int[] ids) {
        return String.join("\n", IntStream.of(ids)
                .mapToObj(id -> id + " " + quote(tok.piece(id)))
                .toList());
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x2028 && cp <= 0x2029) || cp == 0x85) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
