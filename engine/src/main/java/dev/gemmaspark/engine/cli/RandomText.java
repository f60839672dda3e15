package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * Random texts of a chosen number of tokens, for benches of the text-level calls (scoring, classification), which
 * take text rather than token ids: words are drawn from the vocabulary's whole-word pieces ({@code ▁} and letters),
 * each of which the tokenizer gives back as that one token, and the text is grown or cut word by word until its
 * tokens, as the caller counts them, come to the target.
 */
final class RandomText {
    /** Rounds of growing and cutting; words merge across their spaces so rarely that two or three suffice. */
    private static final int MAX_ROUNDS = 32;

    private final List<String> words = new ArrayList<>();

    RandomText(GemmaTokenizer tokenizer) {
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            String piece = tokenizer.piece(id);
            if (piece.length() >= 2 && piece.charAt(0) == '▁' && piece.substring(1).chars().allMatch(Character::isLetter)) {
                String word = " " + piece.substring(1);
                int[] ids = tokenizer.encode(word, false, false);
                if (ids.length == 1 && ids[0] == id) {
                    words.add(word);
                }
            }
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("the vocabulary has no whole-word pieces (▁ and letters) to make"
                    + " random text of");
        }
    }

    /** A random word: a space and the letters of one vocabulary piece. */
    private String word(SplittableRandom random) {
        return words.get(random.nextInt(words.size()));
    }

    /**
     * A text of random words whose {@code count} is {@code tokens}, or just below it where one word more would
     * overshoot (two words merging into one token, which no ordinary vocabulary does often).
     *
     * @param count the tokens of a text as they will be used (plain, as a chat message, ...), monotonic in its words
     */
    String text(int tokens, ToIntFunction<String> count, SplittableRandom random) {
        List<String> chosen = new ArrayList<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int n = count.applyAsInt(String.join("", chosen));
            if (n == tokens) {
                break;
            }
            if (n < tokens) {
                for (int i = n; i < tokens; i++) {
                    chosen.add(word(random));
                }
            } else {
                chosen.subList(Math.max(0, chosen.size() - (n - tokens)), chosen.size()).clear();
            }
        }
        while (!chosen.isEmpty() && count.applyAsInt(String.join("", chosen)) > tokens) {
            chosen.removeLast();
        }
        return String.join("", chosen);
    }
}
