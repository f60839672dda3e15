package dev.gemmaspark.engine.tokenizer;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Cuts text into special-token matches and raw fragments, with the result of llama.cpp's
 * {@code tokenizer_st_partition} (llama-vocab.cpp): for each CONTROL, USER_DEFINED or UNKNOWN token, longest text
 * first, split every still-raw fragment at the token's leftmost non-overlapping occurrences.
 *
 * <p>Done literally that costs a scan of the text per special token (thousands of them). It is the same as taking
 * every occurrence in the order (token rank, position) and keeping one when none of its bytes was claimed before:
 * an occurrence that llama.cpp's scan finds lies wholly inside a raw fragment, i.e. on unclaimed bytes, and within
 * a fragment its left-to-right scan keeps exactly the occurrences that do not overlap an earlier kept one. A trie
 * over the special texts finds the occurrences in one pass, and only one per position is held at a time (the
 * longest not yet ruled out; the others at that position are nested in it), so memory stays a few bytes per
 * byte of text even for a text of nothing but spaces, where every position starts some thirty of them.
 * Tokens of equal length are ranked by id; llama.cpp's order among them is unspecified, and for Gemma's special
 * texts (tags, bracketed names, runs of one whitespace character) two of equal length can never overlap.
 */
final class SpecialTokenSplitter {
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
     * The special tokens cut out of {@code text}, in order, as triples (token id, from, to) of byte offsets; the
     * text between them (and before the first, after the last) are the raw fragments. CONTROL tokens are matched
     * only where the whole occurrence lies in one of {@code controlRanges}: sorted, disjoint {@code [from, to)}
     * byte ranges given as pairs ({@code {0, text.length}} is llama.cpp's {@code parse_special}, none its
     * absence). USER_DEFINED tokens are matched everywhere.
     */
    int[] split(byte[] text, int[] controlRanges) {
        int n = text.length;
        // Each position where a special text starts holds one candidate at a time: the longest not yet ruled out
        // (the others there are its prefixes). Candidates interact only through overlaps, so the text falls into
        // clusters of positions whose longest candidates overlap in a chain, and each cluster is settled alone.
        // A first pass finds the largest cluster, so that the heap is allocated once.
        int largest = 0;
        int members = 0;
        int clusterEnd = 0;
        for (int pos = 0; pos < n; pos++) {
            int rank = startsSpecial[text[pos] & 0xFF] ? longestMatch(text, pos, n, controlRanges) : -1;
            if (rank >= 0) {
                if (pos >= clusterEnd) {
                    largest = Math.max(largest, members);
                    members = 0;
                }
                members++;
                clusterEnd = Math.max(clusterEnd, pos + rankLength[rank]);
            }
        }
        largest = Math.max(largest, members);
        if (largest == 0) {
            return new int[0];
        }
        long[] heap = new long[largest];
        BitSet claimed = new BitSet(n);
        BitSet starts = new BitSet(n);
        int size = 0;
        clusterEnd = 0;
        for (int pos = 0; pos < n; pos++) {
            int rank = startsSpecial[text[pos] & 0xFF] ? longestMatch(text, pos, n, controlRanges) : -1;
            if (rank >= 0) {
                if (pos >= clusterEnd) {
                    settle(text, controlRanges, heap, size, claimed, starts);
                    size = 0;
                }
                heap[size++] = (long) rank << 32 | pos;
                clusterEnd = Math.max(clusterEnd, pos + rankLength[rank]);
            }
        }
        settle(text, controlRanges, heap, size, claimed, starts);

        // A kept token ends where the next one starts or where the claimed bytes end, whichever is first.
        int[] out = new int[3 * starts.cardinality()];
        int k = 0;
        for (int pos = starts.nextSetBit(0); pos >= 0; pos = starts.nextSetBit(pos + 1)) {
            int nextStart = starts.nextSetBit(pos + 1);
            int end = Math.min(claimed.nextClearBit(pos), nextStart < 0 ? n : nextStart);
            out[k++] = rankToken[exactMatch(text, pos, end)];
            out[k++] = pos;
            out[k++] = end;
        }
        return out;
    }

    /**
     * Decides the candidates {@code heap[0 .. size)} of one cluster, given as (rank, position) keys, in
     * llama.cpp's order (rank, then position), marking the kept ones in {@code starts} and their bytes in
     * {@code claimed}. A candidate is kept when none of its bytes is claimed. When some are, every longer
     * candidate at that position fails too, and only those ending before the first claimed byte can still be
     * kept: the longest of them replaces it, at a later rank.
     */
    private void settle(byte[] text, int[] controlRanges, long[] heap, int size, BitSet claimed, BitSet starts) {
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(heap, size, i);
        }
        while (size > 0) {
            long top = heap[0];
            int pos = (int) top;
            int end = pos + rankLength[(int) (top >>> 32)];
            int firstClaimed = pos;
            while (firstClaimed < end && !claimed.get(firstClaimed)) {
                firstClaimed++;
            }
            int next = -1;
            if (firstClaimed == end) {
                claimed.set(pos, end);
                starts.set(pos);
            } else {
                next = longestMatch(text, pos, firstClaimed, controlRanges);
            }
            if (next >= 0) {
                heap[0] = (long) next << 32 | pos;
            } else {
                heap[0] = heap[--size];
            }
            siftDown(heap, size, 0);
        }
    }

    /**
     * The rank of the longest special text at {@code text[pos ..)} that ends by {@code limit}, among those
     * allowed there (a CONTROL token only inside one control range), or -1.
     */
    private int longestMatch(byte[] text, int pos, int limit, int[] controlRanges) {
        int controlEnd = controlRangeEnd(controlRanges, pos);
        int best = -1;
        int node = 0;
        for (int i = pos; i < limit && (node = child(node, text[i])) >= 0; i++) {
            int rank = nodeRank[node];
            if (rank >= 0 && (!rankNeedsParseSpecial[rank] || i < controlEnd)) {
                best = rank;
            }
        }
        return best;
    }

    /** The rank of the special text that is exactly {@code text[from .. to)} (known to be one). */
    private int exactMatch(byte[] text, int from, int to) {
        int node = 0;
        for (int i = from; i < to; i++) {
            node = child(node, text[i]);
        }
        return nodeRank[node];
    }

    /** The end of the control range that holds {@code pos}, or {@code pos} when none does. */
    private static int controlRangeEnd(int[] ranges, int pos) {
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        while (lo <= hi) { // the last range starting at or before pos
            int mid = (lo + hi) >>> 1;
            if (ranges[2 * mid] <= pos) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi >= 0 && pos < ranges[2 * hi + 1] ? ranges[2 * hi + 1] : pos;
    }

    /** Restores the min-heap order of {@code heap[0 .. size)} below {@code i}. */
    private static void siftDown(long[] heap, int size, int i) {
        long value = heap[i];
        for (int child = 2 * i + 1; child < size; child = 2 * i + 1) {
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= value) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
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
