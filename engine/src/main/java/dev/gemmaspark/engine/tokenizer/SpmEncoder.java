package dev.gemmaspark.engine.tokenizer;

import java.util.Arrays;

/**
 * llama.cpp's SPM merge ({@code llm_tokenizer_spm_session}) on one raw fragment: spaces become "▁", the text is
 * cut into UTF-8 characters, and the adjacent pair whose concatenation is the best-scoring piece is merged until
 * no pair is a piece. A final symbol that is not a piece (a character missing from the vocabulary) becomes byte
 * tokens. One encoder serves all fragments of one encode call; its buffers are reused between them.
 */
final class SpmEncoder {
    private static final byte[] SPACE = {(byte) 0xE2, (byte) 0x96, (byte) 0x81}; // "▁"

    private final Vocabulary vocab;
    private final PieceIndex pieces;
    private final BigramQueue queue = new BigramQueue();
    private byte[] text = new byte[64];
    private int[] symStart = new int[64];
    private int[] symLen = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        this.pieces = vocab.pieces;
    }

    /** Appends the tokens of {@code src[from .. to)}, preceded by a space when {@code spacePrefix}. */
    void encode(byte[] src, int from, int to, boolean spacePrefix, IntList out) {
        int len = escape(src, from, to, spacePrefix);
        int count = splitCharacters(len);
        queue.clear();
        for (int i = 1; i < count; i++) {
            tryAddBigram(i - 1, i);
        }
        while (!queue.isEmpty()) {
            queue.pop();
            int l = queue.topLeft;
            int r = queue.topRight;
            // Skip entries made stale by an earlier merge of either symbol.
            if (symLen[l] == 0 || symLen[r] == 0 || symLen[l] + symLen[r] != queue.topSize) {
                continue;
            }
            symLen[l] += symLen[r];
            symLen[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            tryAddBigram(prev[l], l);
            tryAddBigram(l, next[l]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            int id = pieces.find(text, symStart[i], symLen[i]);
            if (id >= 0) {
                out.add(id);
            } else {
                for (int k = symStart[i]; k < symStart[i] + symLen[i]; k++) {
                    out.add(vocab.byteToken(text[k] & 0xFF));
                }
            }
        }
    }

    private int escape(byte[] src, int from, int to, boolean spacePrefix) {
        int capacity = 3 * (to - from + 1);
        if (text.length < capacity) {
            text = new byte[capacity];
        }
        int len = 0;
        if (spacePrefix) {
            System.arraycopy(SPACE, 0, text, 0, 3);
            len = 3;
        }
        for (int i = from; i < to; i++) {
            if (src[i] == ' ') {
                System.arraycopy(SPACE, 0, text, len, 3);
                len += 3;
            } else {
                text[len++] = src[i];
            }
        }
        return len;
    }

    /** Cuts text[0 .. len) into characters by lead byte (a stray continuation byte is one character). */
    private int splitCharacters(int len) {
        if (symStart.length < len) {
            symStart = Arrays.copyOf(symStart, len);
            symLen = Arrays.copyOf(symLen, len);
            prev = Arrays.copyOf(prev, len);
            next = Arrays.copyOf(next, len);
        }
        int count = 0;
        for (int offs = 0; offs < len; count++) {
            int n = Math.min(utf8Length(text[offs]), len - offs);
            symStart[count] = offs;
            symLen[count] = n;
            prev[count] = count - 1;
            offs += n;
            next[count] = offs == len ? -1 : count + 1;
        }
        return count;
    }

    private static int utf8Length(byte lead) {
        int high = (lead & 0xFF) >>> 4;
        return high < 12 ? 1 : high < 14 ? 2 : high == 14 ? 3 : 4;
    }

    private void tryAddBigram(int l, int r) {
        if (l < 0 || r < 0) {
            return;
        }
        int size = symLen[l] + symLen[r];
        int id = pieces.find(text, symStart[l], size);
        if (id >= 0) {
            queue.push(l, r, vocab.scores[id], size);
        }
    }
}
