package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bench's random texts come to the token counts asked for, plain and as a chat, on both test vocabularies. */
class RandomTextTest {

    @ParameterizedTest
    @ValueSource(strings = {"gemma3-vocab", "gemma3n-tiny6q-tinyvocab-Q4_0"})
    void textsHaveExactlyTheTokensAskedFor(String model) {
        GemmaTokenizer tokenizer;
        try (GGUFFile file = GGUFFile.open(Golden.model(model))) {
            tokenizer = GemmaTokenizer.fromGGUF(file);
        }
        RandomText words = new RandomText(tokenizer);
        SplittableRandom random = new SplittableRandom(7);
        int chatMinimum = ScoringBench.minimumChatTokens(tokenizer);
        for (int tokens : new int[] {1, 3, 17, 256, 512}) {
            String plain = words.text(tokens, t -> tokenizer.encode(t, false, false).length, random);
            assertEquals(tokens, tokenizer.encode(plain, false, false).length, plain);
            if (tokens >= chatMinimum) {
                String chat = words.text(tokens, t -> tokenizer.encodeChat(List.of(ChatMessage.user(t)), true, false)
                        .length, random);
                assertEquals(tokens, tokenizer.encodeChat(List.of(ChatMessage.user(chat)), true, false).length, chat);
            }
        }
    }
}
