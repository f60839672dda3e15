package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyTest {
    @TempDir
    Path dir;

    @Test
    void theGoldenVocabularyIsPaddedTo262400AsTheConverterDoes() throws IOException {
        Path source = ModelSynthesizerTest.golden("gemma3-vocab.gguf");
        Vocabulary v = Vocabulary.fromGGUF(source).paddedTo(Preset.E2B.vocabSize);
        assertEquals(262400, v.size());
        assertEquals("[PAD262144]", v.tokens()[262144]);
        assertEquals("[PAD262399]", v.tokens()[262399]);
        assertEquals(Vocabulary.UNUSED, v.types()[262399]);
        assertEquals(-10000f, v.scores()[262200]);

        // Written and read back, every tokenizer key of the source is there with its value (arrays padded).
        Path out = dir.resolve("vocab.gguf");
        GGUFWriter w = new GGUFWriter().putString("general.architecture", "gemma3n");
        v.writeTo(w);
        w.write(out);
        try (GGUFFile src = GGUFFile.open(source); GGUFFile back = GGUFFile.open(out)) {
            List<String> tokenizerKeys = src.metadata().keySet().stream().filter(k -> k.startsWith("tokenizer."))
                    .toList();
            assertEquals(tokenizerKeys, back.metadata().keySet().stream().filter(k -> k.startsWith("tokenizer."))
                    .toList());
            for (String k : tokenizerKeys) {
                Object want = src.metadata().get(k);
                Object got = back.metadata().get(k);
                switch (want) {
                    case String[] a -> assertArrayEquals(a, Arrays.copyOf((String[]) got, a.length), k);
                    case float[] a -> assertArrayEquals(a, Arrays.copyOf((float[]) got, a.length), k);
                    case int[] a -> assertArrayEquals(a, Arrays.copyOf((int[]) got, a.length), k);
                    default -> assertTrue(Objects.equals(want, got), k);
                }
            }
            assertEquals(106, back.getLong("tokenizer.ggml.eos_token_id"));
        }
    }

    @Test
    void aVocabularyAlreadyLargeEnoughIsKept() {
        Vocabulary v = SyntheticVocabulary.create(false);
        assertEquals(SyntheticVocabulary.SIZE, v.size());
        assertSame(v, v.paddedTo(100));
    }

    /** gemma3n-multimodal spec 2.1: Gemma 3n's ids of the multimodal tokens, which Gemma 3's vocabulary lacks. */
    @Test
    void anAudioModelGetsGemma3nsMultimodalTokensAtTheirIds() {
        Path source = ModelSynthesizerTest.golden("gemma3-vocab.gguf");
        Vocabulary gemma3 = Vocabulary.fromGGUF(source).paddedTo(Preset.E2B.vocabSize);
        assertEquals("<end_of_image>", gemma3.tokens()[256000]);
        Vocabulary v = gemma3.withMultimodalTokens(source.toString());
        assertEquals("<start_of_image>", v.tokens()[255999]);
        assertEquals("<start_of_audio>", v.tokens()[256000]);
        assertEquals("<end_of_image>", v.tokens()[262144]);
        assertEquals("<image_soft_token>", v.tokens()[262145]);
        assertEquals("<end_of_audio>", v.tokens()[262272]);
        assertEquals("<audio_soft_token>", v.tokens()[262273]);
        assertEquals("[PAD262274]", v.tokens()[262274]);
        for (int id : new int[] {256000, 262144, 262145, 262272, 262273}) {
            assertEquals(Vocabulary.CONTROL, v.types()[id], "type of " + id);
        }
        assertEquals(v.size(), Arrays.stream(v.tokens()).distinct().count(), "tokens are unique");

        // the synthetic vocabulary of an E2B-sized audio model: the tokens at Gemma 3n's ids, none twice (they were
        // also among its first ids, which the tokenizer refused: pieces 10 and 256000 were both <start_of_audio>)
        Vocabulary e2b = ModelSynthesizer.vocabulary(Preset.E2B, null, true);
        assertEquals(Preset.E2B.vocabSize, e2b.size());
        assertEquals("<audio_soft_token>", e2b.tokens()[262273]);
        assertEquals("<start_of_audio>", e2b.tokens()[256000]);
        assertEquals(e2b.size(), Arrays.stream(e2b.tokens()).distinct().count(), "tokens are unique");

        Vocabulary synthetic = SyntheticVocabulary.create(true);
        assertSame(synthetic, synthetic.withMultimodalTokens("synthetic"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticVocabulary.create(false).withMultimodalTokens("tiny.gguf"));
        assertTrue(e.getMessage().startsWith("tiny.gguf: ") && e.getMessage().contains("<audio_soft_token>"),
                e.getMessage());
    }
}
