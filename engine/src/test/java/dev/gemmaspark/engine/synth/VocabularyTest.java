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
}
