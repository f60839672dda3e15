package dev.gemmaspark.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The UTF-8 bytes of every piece in one array, and an open-addressing hash table from a byte range to the id of
 * the piece with exactly those bytes. Lookups take a slice of any array, so the merge loop looks up candidate
 * pairs without building a String for each.
 */
final class PieceIndex {
    private final byte[] bytes;
    private final int[] start; // piece id's bytes are bytes[start[id] .. start[id + 1])
    private final int[] slots; // id + 1, or 0 for an empty slot
    private final int mask;

    /** Indexes {@code pieces}; two equal pieces are an {@link IllegalArgumentException} naming both ids. */
    PieceIndex(byte[][] pieces) {
        int total = 0;
        for (byte[] p : pieces) {
            total = Math.addExact(total, p.length);
        }
        bytes = new byte[total];
        start = new int[pieces.length + 1];
        int pos = 0;
        for (int id = 0; id < pieces.length; id++) {
            start[id] = pos;
            System.arraycopy(pieces[id], 0, bytes, pos, pieces[id].length);
            pos += pieces[id].length;
        }
        start[pieces.length] = pos;

        int capacity = Integer.highestOneBit(Math.max(4, pieces.length * 2 - 1)) << 1;
        slots = new int[capacity];
        mask = capacity - 1;
        for (int id = 0; id < pieces.length; id++) {
            int existing = insert(id);
            if (existing >= 0) {
                throw new IllegalArgumentException("pieces " + existing + " and " + id + " are both '"
                        + new String(pieces[id], StandardCharsets.UTF_8) + "'");
            }
        }
    }

    int start(int id) {
        return start[id];
    }

    int length(int id) {
        return start[id + 1] - start[id];
    }

    /** The shared byte array that {@link #start} indexes; callers must not modify it. */
    byte[] bytes() {
        return bytes;
    }

    /** The id of the piece equal to {@code text[off .. off + len)}, or -1. */
    int find(byte[] text, int off, int len) {
        for (int slot = hash(text, off, len) & mask; ; slot = (slot + 1) & mask) {
            int entry = slots[slot];
            if (entry == 0) {
                return -1;
            }
            int id = entry - 1;
            if (length(id) == len && Arrays.equals(bytes, start[id], start[id] + len, text, off, off + len)) {
                return id;
            }
        }
    }

    private int insert(int id) {
        int len = length(id);
        for (int slot = hash(bytes, start[id], len) & mask; ; slot = (slot + 1) & mask) {
            int entry = slots[slot];
            if (entry == 0) {
                slots[slot] = id + 1;
                return -1;
            }
            int other = entry - 1;
            if (length(other) == len && Arrays.equals(bytes, start[other], start[other] + len, bytes, start[id],
                    start[id] + len)) {
                return other;
            }
        }
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811C9DC5; // FNV-1a, then a finalizer so that the low bits used for the slot are well mixed
        for (int i = off; i < off + len; i++) {
            h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return h;
    }
}
