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
 * overlapping candidates and near misses, over the real vocabulary's 6414 special tokens; and with CONTROL tokens
 * allowed only in some ranges of the text, as in a chat whose messages' text is data.
 */
class SpecialTokenSplitterTest {
    private static final String[] PARTS = {
            "<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<pad>", "<unused12>", "<unused6241>",
            "[multimodal]", "<s>", "</s>", "<b>", "</b>", "<table>", "\n", "\n\n\n", " ", "  ", "     ", "\t", "\t\t",
            "<", ">", "/", "<start_of", "_turn>", "unused", "s>", "b", "user", "x", "é", "😀"};

    private static final int RAW = -1;

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
            byte[] bytes = randomText(random);
            for (boolean parseSpecial : new boolean[] {true, false}) {
                int[] ranges = parseSpecial ? new int[] {0, bytes.length} : new int[0];
                assertArrayEquals(partitionLikeLlamaCpp(bytes, ranges), splitter.split(bytes, ranges),
                        "text " + Arrays.toString(bytes) + " parseSpecial " + parseSpecial);
            }
        }
    }

    @Test
    void controlTokensAreMatchedOnlyWhollyInsideControlRanges() {
        Random random = new Random(43);
        for (int round = 0; round < 300; round++) {
            byte[] bytes = randomText(random);
            int[] cuts = random.ints(2 * random.nextInt(4), 0, bytes.length + 1).sorted().distinct().toArray();
            int[] ranges = Arrays.copyOf(cuts, cuts.length & ~1);
            assertArrayEquals(partitionLikeLlamaCpp(bytes, ranges), splitter.split(bytes, ranges),
                    "text " + Arrays.toString(bytes) + " control ranges " + Arrays.toString(ranges));
        }
    }

    private static byte[] randomText(Random random) {
        StringBuilder text = new StringBuilder();
        int parts = random.nextInt(16);
        for (int i = 0; i < parts; i++) {
            text.append(PARTS[random.nextInt(PARTS.length)]);
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The special tokens of llama.cpp's partition, as {token, from, to}: one scan of every raw fragment per
     * special token, longest first, where a CONTROL token's occurrence counts only inside a control range.
     */
    private static int[] partitionLikeLlamaCpp(byte[] text, int[] controlRanges) {
        LinkedList<int[]> fragments = new LinkedList<>();
        if (text.length > 0) {
            fragments.add(new int[] {RAW, 0, text.length});
        }
        for (int id : candidates) {
            boolean control = (vocab.attrs[id] & TokenAttr.SPECIAL) != 0;
            int start = vocab.pieces.start(id);
            byte[] special = Arrays.copyOfRange(vocab.pieces.bytes(), start, start + vocab.pieces.length(id));
            for (ListIterator<int[]> it = fragments.listIterator(); it.hasNext(); ) {
                int[] f = it.next();
                if (f[0] != RAW) {
                    continue;
                }
                int match = indexOf(text, special, f[1], f[2], control ? controlRanges : null);
                if (match < 0) {
                    continue;
                }
                it.remove();
                if (match > f[1]) {
                    it.add(new int[] {RAW, f[1], match});
                }
                it.add(new int[] {id, match, match + special.length});
                if (match + special.length < f[2]) {
                    int[] right = {RAW, match + special.length, f[2]};
                    it.add(right);
                    it.previous(); // scan the right remainder next
                }
            }
        }
        List<Integer> flat = new ArrayList<>();
        for (int[] f : fragments) {
            if (f[0] != RAW) {
                flat.add(f[0]);
                flat.add(f[1]);
                flat.add(f[2]);
            }
        }
        return flat.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first occurrence in {@code [from, to)}, lying wholly in one of {@code ranges} unless that is null. */
    private static int indexOf(byte[] text, byte[] needle, int from, int to, int[] ranges) {
        for (int i = from; i + needle.length <= to; i++) {
            if (Arrays.equals(text, i, i + needle.length, needle, 0, needle.length)
                    && (ranges == null || inOneRange(ranges, i, i + needle.length))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean inOneRange(int[] ranges, int from, int to) {
        for (int r = 0; r < ranges.length; r += 2) {
            if (ranges[r] <= from && to <= ranges[r + 1]) {
                return true;
            }
        }
        return false;
    }
}
