package dev.gemmaspark.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated token ids into text as they arrive. A character split over several byte tokens is held back
 * until its last byte arrives. The pieces returned, joined, equal {@link GemmaTokenizer#decode} of all the ids
 * with CONTROL tokens rendering as nothing: both go through the JDK's UTF-8 decoder, here fed incrementally, so
 * malformed bytes become the same U+FFFD characters. Not thread-safe: one decoder per sequence.
 */
public final class StreamDecoder {
    private final GemmaTokenizer tokenizer;
    private final ByteList pending = new ByteList();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);

    StreamDecoder(GemmaTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text completed by this token; "" while a character is incomplete. */
    public String next(int id) {
        tokenizer.appendPiece(id, false, false, pending);
        return decode(false);
    }

    /** Whatever is held back, an incomplete character becoming U+FFFD; the decoder is then empty. */
    public String flush() {
        String rest = decode(true);
        utf8.reset();
        return rest;
    }

    private String decode(boolean endOfInput) {
        ByteBuffer in = pending.asBuffer();
        // Each byte yields at most one char (a character of n bytes is at most 2 chars, n >= 2).
        CharBuffer out = CharBuffer.allocate(pending.size());
        utf8.decode(in, out, endOfInput);
        if (endOfInput) {
            utf8.flush(out);
        }
        pending.removeFirst(in.position());
        return out.flip().toString();
    }
}
