package dev.gemmaspark.engine.tokenizer;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import dev.gemmaspark.engine.gguf.GGUFFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static dev.gemmaspark.engine.gguf.GGUFWriter.ValueType.FLOAT32;
import static dev.gemmaspark.engine.gguf.GGUFWriter.ValueType.INT32;
import static dev.gemmaspark.engine.gguf.GGUFWriter.ValueType.STRING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading {@code tokenizer.ggml.*}: special ids, llama.cpp's end-of-generation set, defaults and bad metadata. */
class VocabularyTest {
    @TempDir
    Path dir;

    @Test
    void realVocabularyIdsAndPieces() {
        GemmaTokenizer tok = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        // Values of golden README 8.2.
        assertEquals(262144, tok.vocabSize());
        assertEquals(2, tok.bosId());
        assertEquals(106, tok.eosId());
        assertEquals(0, tok.padId());
        assertEquals(105, tok.tokenId("<start_of_turn>"));
        assertEquals(212, tok.tokenId("</s>"));
        assertEquals(238, tok.tokenId("<0x00>"));
        assertEquals(-1, tok.tokenId("<start_of_turn"));
        assertEquals("<end_of_turn>", tok.piece(106));
        assertEquals("<0xFF>", tok.piece(493));
        assertThrows(IllegalArgumentException.class, () -> tok.piece(262144));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}, true));
    }

    @Test
    void endOfGenerationAsLlamaCppDerivesIt() {
        GemmaTokenizer real = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        // eos (106 <end_of_turn>, also the detected end-of-turn token), <eos> and </s> by their text.
        for (int id : new int[] {1, 106, 212}) {
            assertTrue(real.isEndOfGeneration(id), "id " + id);
        }
        for (int id : new int[] {0, 2, 3, 105, 203, 107, -1, 262144}) {
            assertFalse(real.isEndOfGeneration(id), "id " + id);
        }
        // </s> is forced to CONTROL: it renders only as special text.
        assertEquals("", real.decode(new int[] {212}, false));
        assertEquals("</s>", real.decode(new int[] {212}, true));

        GemmaTokenizer tiny = GoldenData.tokenizer("models/gemma3n-tiny6-tinyvocab-f32.gguf");
        assertTrue(tiny.isEndOfGeneration(1)); // <eos>, the eos id
        assertTrue(tiny.isEndOfGeneration(6)); // <end_of_turn>
        assertFalse(tiny.isEndOfGeneration(5)); // <start_of_turn>
        assertFalse(tiny.isEndOfGeneration(2));
    }

    @Test
    void llamaCppSpmDefaultsApplyWhenKeysAreAbsent() {
        // No ids, no add_* flags: bos 1, eos 2, no pad, BOS added, and a space put before the text.
        GemmaTokenizer tok = load(b -> b.putString("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", STRING, new String[] {"<unk>", "<s>", "</s>", "a", "b", "▁", "▁a", "▁b"})
                .putArray("tokenizer.ggml.scores", FLOAT32, new float[] {0, 0, 0, 0, 0, 0, -1, -2})
                .putArray("tokenizer.ggml.token_type", INT32, new int[] {2, 3, 3, 1, 1, 1, 1, 1}));
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals(-1, tok.padId());
        assertTrue(tok.isEndOfGeneration(2));
        // "a b" -> "▁a▁b": the best pair "▁a" merges first, then "▁b".
        assertArrayEquals(new int[] {1, 6, 7}, tok.encode("a b", true, false));
        // The prefix space goes only after the first piece, and llama.cpp strips it only from the first token.
        assertEquals("a b", tok.decode(new int[] {6, 7}, false));
        assertEquals(" a b", tok.decode(new int[] {1, 6, 7}, false));
        assertArrayEquals(new int[] {1, 1, 6}, tok.encode("<s>a", true, true)); // a space also follows a special token
    }

    @Test
    void characterWithoutByteTokensIsAnError() {
        GemmaTokenizer tok = load(b -> minimal(b).putBool("tokenizer.ggml.add_space_prefix", false));
        // "é" is not a piece, and this vocabulary has no <0xXX> tokens to fall back to.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tok.encode("é", false, false));
        assertTrue(e.getMessage().contains("0xC3"), e.getMessage());
    }

    @Test
    void badMetadataNamesTheKey() {
        assertLoadError(b -> b.putArray("tokenizer.ggml.tokens", STRING, new String[] {"a"}), "tokenizer.ggml.model");
        assertLoadError(b -> b.putString("tokenizer.ggml.model", "gpt2").putArray("tokenizer.ggml.tokens", STRING, new String[] {"a"}),
                "tokenizer.ggml.model");
        assertLoadError(b -> b.putString("tokenizer.ggml.model", "llama"), "tokenizer.ggml.tokens");
        assertLoadError(b -> b.putString("tokenizer.ggml.model", "llama").putArray("tokenizer.ggml.tokens", STRING, new String[] {"a", "b", "a"}),
                "tokenizer.ggml.tokens");
        assertLoadError(b -> minimal(b).putArray("tokenizer.ggml.scores", FLOAT32, new float[] {0, 0}), "tokenizer.ggml.scores");
        assertLoadError(b -> minimal(b).putArray("tokenizer.ggml.token_type", INT32, new int[] {1}), "tokenizer.ggml.token_type");
        assertLoadError(b -> minimal(b).putUInt32("tokenizer.ggml.bos_token_id", 4), "tokenizer.ggml.bos_token_id");
        assertLoadError(b -> minimal(b).putString("tokenizer.ggml.eos_token_id", "1"), "tokenizer.ggml.eos_token_id");
        assertLoadError(b -> minimal(b).putArray("tokenizer.ggml.token_type", INT32, new int[] {3, 3, 3, 6}), "tokenizer.ggml.token_type");
    }

    /** Four tokens: <unk>, <s>, </s>, a. */
    private static GGUFWriter minimal(GGUFWriter b) {
        return b.putString("tokenizer.ggml.model", "llama").putArray("tokenizer.ggml.tokens", STRING, new String[] {"<unk>", "<s>", "</s>", "a"});
    }

    /** A metadata-only GGUF: vocabularies the golden files do not have. */
    private Path write(GGUFWriter metadata) {
        try {
            Path file = Files.createTempFile(dir, "vocab", ".gguf");
            metadata.write(file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GemmaTokenizer load(UnaryOperator<GGUFWriter> metadata) {
        Path file = write(metadata.apply(new GGUFWriter()));
        try (GGUFFile gguf = GGUFFile.open(file)) {
            return GemmaTokenizer.fromGGUF(gguf);
        }
    }

    private void assertLoadError(UnaryOperator<GGUFWriter> metadata, String key) {
        Path file = write(metadata.apply(new GGUFWriter()));
        try (GGUFFile gguf = GGUFFile.open(file)) {
            GGUFFormatException e = assertThrows(GGUFFormatException.class, () -> GemmaTokenizer.fromGGUF(gguf));
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains(file.toString()), e.getMessage());
        }
    }
}
