package dev.gemmaspark.engine.tokenizer;

/**
 * llama.cpp's SPM merge ({@code llm_tokenizer_spm_session} in llama-vocab.cpp) on one raw fragment: spaces become
 * "▁", the text is cut into UTF-8 characters, and the adjacent pair whose concatenation is the best-scoring piece
 * is merged until no pair is a piece. A final symbol that is not a piece (a character missing from the
 * vocabulary) becomes byte tokens. One encoder serves all fragments of one encode call; its buffers are reused
 * between them.
 *
 * <p>Memory is what bounds the fragment a task can tokenize, so the state is kept small and sized to the largest
 * fragment: the escaped text, three ints per character (a symbol's start, which never moves because a merge keeps
 * the left symbol, and its neighbours; its end is its successor's start) and twelve bytes per character in the
 * queue.
 */
final class SpmEncoder {
    private static final byte[] SPACE = {(byte) 0xE2, (byte) 0x96, (byte) 0x81}; // "▁"

    private final Vocabulary vocab;
    private final PieceIndex pieces;
    private final BigramQueue queue = new BigramQueue();
    private byte[] text = new byte[64];
    private int textLength;
    private int[] symStart = new int[16];
    private int[] prev = new int[16];
    private int[] next = new int[16];

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
        this.pieces = vocab.pieces;
    }

    /** Appends the tokens of {@code src[from .. to)}, preceded by a space when {@code spacePrefix}. */
    void encode(byte[] src, int from, int to, boolean spacePrefix, IntList out) {
        escape(src, from, to, spacePrefix);
        int count = splitCharacters();
        queue.reset(count);
        for (int i = 0; i < count - 1; i++) {
            queuePair(i);
        }
        int live = count;
        while (!queue.isEmpty()) {
            int l = queue.top();
            int r = next[l];
            queue.remove(r);
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            live--;
            if (prev[l] >= 0) {
                queuePair(prev[l]);
            }
            queuePair(l);
        }
        out.ensureRoom(live);
        for (int i = 0; i != -1; i = next[i]) {
            int start = symStart[i];
            int length = end(i) - start;
            int id = pieces.find(text, start, length);
            if (id >= 0) {
                out.add(id);
            } else {
                for (int k = start; k < start + length; k++) {
                    out.add(vocab.byteToken(text[k] & 0xFF));
                }
            }
        }
    }

    /** Writes the fragment with spaces as "▁" to text[0 .. textLength), in a buffer of just that size. */
    private void escape(byte[] src, int from, int to, boolean spacePrefix) {
        int len = spacePrefix ? SPACE.length : 0;
        for (int i = from; i < to; i++) {
            len += src[i] == ' ' ? SPACE.length : 1;
        }
        if (text.length < len) {
            text = new byte[Math.max(len, text.length + (text.length >> 1))];
        }
        len = 0;
        if (spacePrefix) {
            System.arraycopy(SPACE, 0, text, 0, SPACE.length);
            len = SPACE.length;
        }
        for (int i = from; i < to; i++) {
            if (src[i] == ' ') {
                System.arraycopy(SPACE, 0, text, len, SPACE.length);
                len += SPACE.length;
            } else {
                text[len++] = src[i];
            }
        }
        textLength = len;
    }

    /**
     * Cuts the text into characters by lead byte (a stray continuation byte is one character) and returns how
     * many there are.
     */
    private int splitCharacters() {
        int count = 0;
        for (int offs = 0; offs < textLength; count++) {
            offs += characterLength(offs);
        }
        if (symStart.length < count) {
            int capacity = Math.max(count, symStart.length + (symStart.length >> 1));
            symStart = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
        }
        int offs = 0;
        for (int i = 0; i < count; i++) {
            symStart[i] = offs;
            prev[i] = i - 1;
            offs += characterLength(offs);
            next[i] = offs == textLength ? -1 : i + 1;
        }
        return count;
    }

    private int characterLength(int offs) {
        int high = (text[offs] & 0xFF) >>> 4;
        int n = high < 12 ? 1 : high < 14 ? 2 : high == 14 ? 3 : 4;
        return Math.min(n, textLength - offs);
    }

    /** Where live symbol {@code i} ends: where its successor starts, or at the end of the text. */
    private int end(int i) {
        return next[i] >= 0 ? symStart[next[i]] : textLength;
    }

    /** Queues the pair of live symbol {@code l} and its successor when it is a piece, else unqueues it. */
    private void queuePair(int l) {
        int r = next[l];
        int id = r < 0 ? -1 : pieces.find(text, symStart[l], end(r) - symStart[l]);
        if (id >= 0) {
            queue.set(l, vocab.scores[id]);
        } else {
            queue.remove(l);
        }
    }
}
