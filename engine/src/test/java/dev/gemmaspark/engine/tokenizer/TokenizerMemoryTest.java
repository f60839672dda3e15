package dev.gemmaspark.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What tokenizing costs in memory, per byte of text, measured as the bytes the thread allocates (so every
 * temporary array counts, not only what is live at the end). A 50 MB document used to exhaust an executor's heap
 * (62 bytes per byte for one line of prose, 100 for whitespace-heavy text, 667 for a run of spaces).
 *
 * <p>The bound, 36 bytes per byte, is what the tokenizer needs for one fragment at most: the UTF-8 copy (1),
 * the escaped copy (at most 3: a space becomes "▁"), per character (at most one per byte) a symbol's start and
 * neighbours (12) and its slot in the merge queue (12), and per token, at most one per byte, its id in the list
 * and in the result (8, where a token is hardly ever that short). Special-token splitting adds 8 bytes per
 * position where a special text starts, but such positions are never merged as text.
 */
class TokenizerMemoryTest {
    private static final double BOUND = 36;
    private static final int SIZE = 256 * 1024;
    private static final GemmaTokenizer TOK = GoldenData.tokenizer(GoldenData.REAL_VOCAB);

    @Test
    void oneLineOfProse() {
        String[] words = "the quick brown fox jumps over a lazy dog while villagers walk into the forest".split(" ");
        assertBounded("prose", r -> words[r.nextInt(words.length)] + " ");
    }

    @Test
    void randomLetters() {
        assertBounded("random letters", r -> String.valueOf((char) ('a' + r.nextInt(26))));
    }

    @Test
    void whitespaceRunsAndNewlines() {
        String[] parts = {" ", "  ", "\n", "\n\n\n", "\t", "     ", "x", "<b>"};
        assertBounded("whitespace", r -> parts[r.nextInt(parts.length)]);
    }

    @Test
    void charactersMissingFromTheVocabulary() {
        // Rare supplementary characters fall back to byte tokens: one token per byte.
        assertBounded("byte fallback", r -> Character.toString(0x10000 + r.nextInt(0x20000)));
    }

    private static void assertBounded(String label, Function<Random, String> part) {
        Random random = new Random(7);
        StringBuilder text = new StringBuilder();
        while (text.length() < SIZE) {
            text.append(part.apply(random));
        }
        String s = text.toString();
        TOK.encode(s.substring(0, 1000), true, false); // class loading and first-use allocations
        long bytes = s.getBytes(StandardCharsets.UTF_8).length;
        long allocated = ChatEncodingTest.allocatedBytes(() -> TOK.encode(s, true, false));
        double perByte = (double) allocated / bytes;
        assertTrue(perByte < BOUND, label + ": " + perByte + " bytes allocated per byte of text");
    }
}
