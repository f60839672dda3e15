package dev.gemmaspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming detokenization: characters split over byte tokens come out whole, and the stream equals decode. */
class StreamDecoderTest {
    private static final String TINY_VOCAB = "models/gemma3n-tiny6-tinyvocab-f32.gguf";

    /** Byte tokens of the tiny test vocabulary: ids 10..265 are <0x00>..<0xFF> (golden README 8.1). */
    private static int tinyByte(int b) {
        return 10 + b;
    }

    @Test
    void charactersSplitOverByteTokensOfTheRealVocabulary() {
        GemmaTokenizer tok = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        int checked = 0;
        for (JsonNode c : GoldenData.tokenizerCases()) {
            int[] ids = GoldenData.ints(c.get("ids_special"));
            boolean hasByteTokens = IntStream.of(ids).anyMatch(id -> tok.piece(id).matches("<0x[0-9A-F]{2}>"));
            if (!hasByteTokens) {
                continue;
            }
            List<String> pieces = stream(tok, ids);
            String label = c.get("id").asText() + " " + pieces;
            assertEquals(c.get("text").asText(), String.join("", pieces), label);
            assertEquals(tok.decode(ids, false), String.join("", pieces), label);
            assertTrue(pieces.stream().noneMatch(p -> p.contains("\uFFFD")), label);
            checked++;
        }
        assertTrue(checked >= 4, "cases with byte tokens: " + checked); // s057, s058, s116, s117 at least
    }

    @Test
    void fourByteCharacterComesOutWithItsLastByte() {
        GemmaTokenizer tok = GoldenData.tokenizer(TINY_VOCAB);
        int[] ids = {tok.bosId(), tinyByte(0xF0), tinyByte(0x9F), tinyByte(0x98), tinyByte(0x80), tok.tokenId("x")};
        assertEquals(List.of("", "", "", "", "\uD83D\uDE00", "x", ""), stream(tok, ids));
        assertEquals("\uD83D\uDE00x", tok.decode(ids, false));
    }

    @Test
    void incompleteCharacterIsFlushedAsReplacement() {
        GemmaTokenizer tok = GoldenData.tokenizer(TINY_VOCAB);
        StreamDecoder decoder = tok.streamDecoder();
        assertEquals("", decoder.next(tinyByte(0xE2)));
        assertEquals("", decoder.next(tinyByte(0x82)));
        assertEquals("\uFFFD", decoder.flush());
        assertEquals("", decoder.flush());
        assertEquals("x", decoder.next(tok.tokenId("x")));
    }

    @Test
    void malformedBytesGiveWhatDecodeGives() {
        GemmaTokenizer tok = GoldenData.tokenizer(TINY_VOCAB);
        int[][] sequences = {
                {tinyByte(0xE2), tinyByte(0x82), tinyByte(0xF0), tinyByte(0x9F), tinyByte(0x98), tinyByte(0x80)},
                {tinyByte(0xB6), tok.tokenId("x"), tinyByte(0xC3)},
                {tinyByte(0xE0), tinyByte(0x80), tinyByte(0x80)},
                {tinyByte(0xED), tinyByte(0xA0), tinyByte(0x80), tinyByte(0xC3), tinyByte(0xA9)},
                {tinyByte(0xF4), tinyByte(0x90), tinyByte(0x80), tinyByte(0x80)},
        };
        for (int[] ids : sequences) {
            assertEquals(tok.decode(ids, false), String.join("", stream(tok, ids)));
        }
        // Random byte soup, mostly lead and continuation bytes, mixed with ordinary pieces.
        Random random = new Random(7);
        for (int round = 0; round < 500; round++) {
            int[] ids = new int[random.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(8) == 0 ? tok.tokenId("x") : tinyByte(0x80 + random.nextInt(0x80));
            }
            assertEquals(tok.decode(ids, false), String.join("", stream(tok, ids)), Arrays.toString(ids));
        }
    }

    @Test
    void controlTokensRenderAsNothing() {
        GemmaTokenizer tok = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        StreamDecoder decoder = tok.streamDecoder();
        assertEquals("", decoder.next(tok.tokenId("<end_of_turn>")));
        assertEquals("", decoder.next(tok.bosId()));
        assertEquals("<b>", decoder.next(tok.tokenId("<b>"))); // USER_DEFINED tokens are text
        assertEquals("", decoder.flush());
    }

    /** Each token's output, then the flush. */
    private static List<String> stream(GemmaTokenizer tok, int[] ids) {
        StreamDecoder decoder = tok.streamDecoder();
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(decoder.next(id));
        }
        out.add(decoder.flush());
        return out;
    }
}
