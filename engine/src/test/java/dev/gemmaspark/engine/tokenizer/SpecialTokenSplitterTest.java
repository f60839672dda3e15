package dev.gemmaspark.engine.tokenizer;

import dev.gemmaspark.engine.gguf.GGUFFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedList;
import java.util.List;
import java.util.ListIterator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The one-pass splitter against a literal transcription of llama.cpp's {@code tokenizer_st_partition} (one scan
 * of every raw fragment per special token, longest token first), on random texts dense in special tokens,
 * overlapping candidates and near misses, over the real vocabulary's 6414 special tokens.
 */
class SpecialTokenSplitterTest {
    private static final String[] PARTS = {
            "<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<pad>", "<unused12>", "<unused6241>",
            "[multimodal]", "<s>", "</s>", "<b>", "</b>", "<table>", "\n", "\n\n\n", " ", "  ", "     ", "\t", "\t\t",
            "<", ">", "/", "<start_of", "_turn>", "unused", "s>", "b", "user", "x", "é", "😀"};

    private static Vocabulary vocab;
    private static SpecialTokenSplitter splitter;
    private static int[] candidates;

    @BeforeAll
    static void load() {
        try (GGUFFile file = GGUFFile.open(GoldenData.path(GoldenData.REAL_VOCAB))) {
            vocab = Vocabulary.fromGGUF(file);
        }
        splitter = new SpecialTokenSplitter(vocab);
        candidates = IntStream.range(0, vocab.size())
                .filter(id -> (vocab.attrs[id] & TokenAttr.SPLIT_BEFORE_MERGE) != 0)
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> -vocab.pieces.length(id)))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    @Test
    void sameFragmentsAsLlamaCppsPartition() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            StringBuilder text = new StringBuilder();
            int parts = random.nextInt(16);
            for (int i = 0; i < parts; i++) {
                text.append(PARTS[random.nextInt(PARTS.length)]);
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            for (boolean parseSpecial : new boolean[] {true, false}) {
                assertArrayEquals(partitionLikeLlamaCpp(bytes, parseSpecial), splitter.split(bytes, parseSpecial),
                        "text " + Arrays.toString(text.toString().toCharArray()) + " parseSpecial " + parseSpecial);
            }
        }
    }

    /** Fragments as {token or RAW, from, to}, computed the way llama.cpp does it. */
    private static int[] partitionLikeLlamaCpp(byte[] text, boolean parseSpecial) {
        LinkedList<int[]> fragments = new LinkedList<>();
        if (text.length > 0) {
            fragments.add(new int[] {SpecialTokenSplitter.RAW, 0, text.length});
        }
        for (int id : candidates) {
            if (!parseSpecial && (vocab.attrs[id] & TokenAttr.SPECIAL) != 0) {
                continue;
            }
            int start = vocab.pieces.start(id);
            byte[] special = Arrays.copyOfRange(vocab.pieces.bytes(), start, start + vocab.pieces.length(id));
            for (ListIterator<int[]> it = fragments.listIterator(); it.hasNext(); ) {
                int[] f = it.next();
                if (f[0] != SpecialTokenSplitter.RAW) {
                    continue;
                }
                int match = indexOf(text, special, f[1], f[2]);
                if (match < 0) {
                    continue;
                }
                it.remove();
                if (match > f[1]) {
                    it.add(new int[] {SpecialTokenSplitter.RAW, f[1], match});
                }
                it.add(new int[] {id, match, match + special.length});
                if (match + special.length < f[2]) {
                    int[] right = {SpecialTokenSplitter.RAW, match + special.length, f[2]};
                    it.add(right);
                    it.previous(); // scan the right remainder next
                }
            }
        }
        List<Integer> flat = new ArrayList<>();
        for (int[] f : fragments) {
            flat.add(f[0]);
            flat.add(f[1]);
            flat.add(f[2]);
        }
        return flat.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int indexOf(byte[] text, byte[] needle, int from, int to) {
        for (int i = from; i + needle.length <= to; i++) {
            if (Arrays.equals(text, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
