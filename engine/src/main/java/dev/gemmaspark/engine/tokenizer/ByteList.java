package dev.gemmaspark.engine.tokenizer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** A growable byte buffer for detokenized text. */
final class ByteList {
    private byte[] bytes = new byte[64];
    private int size;

    int size() {
        return size;
    }

    void add(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    void add(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, bytes, size, len);
        size += len;
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, size);
    }

    /** The bytes as a buffer positioned at the start; it shares this list's storage until the list next grows. */
    ByteBuffer asBuffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    void removeFirst(int n) {
        System.arraycopy(bytes, n, bytes, 0, size - n);
        size -= n;
    }

    private void ensure(int extra) {
        if (size + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
        }
    }
}
