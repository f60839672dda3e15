package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingOptionsTest {

    private static SamplingParams parse(String... args) {
        return SamplingOptions.parse(Arguments.parse("generate", SamplingOptions.ALL, List.of(args)));
    }

    @Test
    void defaultsAreLlamaCppDefaults() {
        assertEquals(new SamplingParams(256, 0.8f, 40, 0.95f, 0.05f, 1f, 0L, List.of()), parse());
    }

    @Test
    void everyOptionReachesItsParameter() {
        assertEquals(new SamplingParams(16, 0f, 5, 0.5f, 0.1f, 1.3f, -7L, List.of("\n\n", "END")),
                parse("--max-tokens", "16", "--temperature", "0", "--top-k=5", "--top-p", "0.5", "--min-p", "0.1",
                        "--repeat-penalty", "1.3", "--seed", "-7", "--stop", "\n\n", "--stop", "END"));
    }
}
