package dev.gemmaspark.engine.tokenizer;

import java.util.Arrays;

/**
 * Cuts text into special-token matches and raw fragments, with the result of llama.cpp's
 * {@code tokenizer_st_partition}: for each CONTROL, USER_DEFINED or UNKNOWN token, longest text first, split
 * every still-raw fragment at the token's leftmost non-overlapping occurrences.
 *
 * <p>Done literally that costs a scan of the text per special token (thousands of them). Instead a trie over the
 * special texts finds every occurrence in one pass; the occurrences are then taken in llama.cpp's order (token
 * rank, then position) and one is kept when none of its bytes was claimed before. That is the same set: an
 * occurrence that llama.cpp's scan finds lies wholly inside a raw fragment, i.e. on unclaimed bytes, and within a
 * fragment its left-to-right scan keeps exactly the occurrences that do not overlap an earlier kept one.
 * Tokens of equal length are ranked by id; llama.cpp's order among them is unspecified, and for Gemma's special
 * texts (tags, bracketed names, runs of one whitespace character) two of equal length can never overlap.
 */
final class SpecialTokenSplitter {
    /** In the result of {@link #split}, the token slot of a raw fragment. */
    static final int RAW = -1;

    private final int[] rankToken; // candidates in llama.cpp's order: longest text first
    private final int[] rankLength;
    private final boolean[] rankNeedsParseSpecial;
    private final boolean[] startsSpecial = new boolean[256];

    // Trie over the candidates' bytes: node 0 is the root, edges in an open-addressing table.
    private final int[] nodeRank;
    private final long[] edgeKeys; // ((long) parent << 8 | byte) + 1, or 0 for an empty slot
    private final int[] edgeChild;
    private final int edgeMask;

    SpecialTokenSplitter(Vocabulary vocab) {
        PieceIndex pieces = vocab.pieces;
        int count = 0;
        long[] order = new long[vocab.size()];
        int totalBytes = 0;
        for (int id = 0; id < vocab.size(); id++) {
            if ((vocab.attrs[id] & TokenAttr.SPLIT_BEFORE_MERGE) != 0) {
                int len = pieces.length(id);
                order[count++] = (long) (Integer.MAX_VALUE - len) << 32 | id;
                totalBytes += len;
            }
        }
        Arrays.sort(order, 0, count);
        rankToken = new int[count];
        rankLength = new int[count];
        rankNeedsParseSpecial = new boolean[count];

        nodeRank = new int[totalBytes + 1];
        Arrays.fill(nodeRank, -1);
        int capacity = Integer.highestOneBit(Math.max(4, totalBytes * 2 - 1)) << 1;
        edgeKeys = new long[capacity];
        edgeChild = new int[capacity];
        edgeMask = capacity - 1;

        byte[] bytes = pieces.bytes();
        int nodes = 1;
        for (int rank = 0; rank < count; rank++) {
            int id = (int) order[rank];
            rankToken[rank] = id;
            rankLength[rank] = pieces.length(id);
            rankNeedsParseSpecial[rank] = (vocab.attrs[id] & TokenAttr.SPECIAL) != 0;
            int node = 0;
            for (int i = pieces.start(id); i < pieces.start(id) + rankLength[rank]; i++) {
                int child = child(node, bytes[i]);
                if (child < 0) {
                    child = nodes++;
                    addEdge(node, bytes[i], child);
                }
                node = child;
            }
            nodeRank[node] = rank; // pieces are distinct and never empty, so each token ends at its own node
            startsSpecial[bytes[pieces.start(id)] & 0xFF] = true;
        }
    }

    /**
     * Splits {@code text} into fragments, in order, as triples (token id or {@link #RAW}, from, to) of byte
     * offsets. With {@code parseSpecial} false only USER_DEFINED tokens are matched. Empty text gives none.
     */
    int[] split(byte[] text, boolean parseSpecial) {
        int n = text.length;
        int[] foundRank = new int[16];
        int[] foundPos = new int[16];
        int nFound = 0;
        for (int pos = 0; pos < n; pos++) {
            if (!startsSpecial[text[pos] & 0xFF]) {
                continue;
            }
            int node = 0;
            for (int i = pos; i < n && (node = child(node, text[i])) >= 0; i++) {
                int rank = nodeRank[node];
                if (rank >= 0 && (parseSpecial || !rankNeedsParseSpecial[rank])) {
                    if (nFound == foundRank.length) {
                        foundRank = Arrays.copyOf(foundRank, nFound * 2);
                        foundPos = Arrays.copyOf(foundPos, nFound * 2);
                    }
                    foundRank[nFound] = rank;
                    foundPos[nFound++] = pos;
                }
            }
        }
        if (nFound == 0) {
            return n == 0 ? new int[0] : new int[] {RAW, 0, n};
        }

        // Visit occurrences by rank, then position: a counting sort by rank keeps the position order of the scan.
        int[] rankStart = new int[rankToken.length + 1];
        for (int k = 0; k < nFound; k++) {
            rankStart[foundRank[k] + 1]++;
        }
        for (int r = 0; r < rankToken.length; r++) {
            rankStart[r + 1] += rankStart[r];
        }
        int[] byRank = new int[nFound];
        for (int k = 0; k < nFound; k++) {
            byRank[rankStart[foundRank[k]]++] = k;
        }

        boolean[] claimed = new boolean[n];
        int[] rankAt = new int[n];
        Arrays.fill(rankAt, -1);
        for (int k : byRank) {
            int rank = foundRank[k];
            int pos = foundPos[k];
            int end = pos + rankLength[rank];
            if (!anyClaimed(claimed, pos, end)) {
                Arrays.fill(claimed, pos, end, true);
                rankAt[pos] = rank;
            }
        }

        int[] out = new int[16];
        int size = 0;
        int rawStart = 0;
        for (int pos = 0; pos < n; ) {
            int rank = rankAt[pos];
            if (rank < 0) {
                pos++;
                continue;
            }
            if (size + 6 > out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            if (rawStart < pos) {
                out[size++] = RAW;
                out[size++] = rawStart;
                out[size++] = pos;
            }
            out[size++] = rankToken[rank];
            out[size++] = pos;
            out[size++] = pos + rankLength[rank];
            pos += rankLength[rank];
            rawStart = pos;
        }
        if (rawStart < n) {
            out = Arrays.copyOf(out, size + 3);
            out[size++] = RAW;
            out[size++] = rawStart;
            out[size++] = n;
        }
        return Arrays.copyOf(out, size);
    }

    private static boolean anyClaimed(boolean[] claimed, int from, int to) {
        for (int i = from; i < to; i++) {
            if (claimed[i]) {
                return true;
            }
        }
        return false;
    }

    private int child(int node, byte b) {
        long key = ((long) node << 8 | (b & 0xFF)) + 1;
        for (int slot = slotOf(key); ; slot = (slot + 1) & edgeMask) {
            if (edgeKeys[slot] == key) {
                return edgeChild[slot];
            }
            if (edgeKeys[slot] == 0) {
                return -1;
            }
        }
    }

    private void addEdge(int node, byte b, int child) {
        long key = ((long) node << 8 | (b & 0xFF)) + 1;
        int slot = slotOf(key);
        while (edgeKeys[slot] != 0) {
            slot = (slot + 1) & edgeMask;
        }
        edgeKeys[slot] = key;
        edgeChild[slot] = child;
    }

    private int slotOf(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & edgeMask;
    }
}
