package dev.gemmaspark.engine.tokenizer;

import dev.gemmaspark.engine.Golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.gguf.GGUFFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The golden llama.cpp references under test resources {@code golden/}, and tokenizers loaded once per model file. */
final class GoldenData {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String REAL_VOCAB = "models/gemma3-vocab.gguf";

    private static final Map<String, GemmaTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private GoldenData() {
    }

    static Path path(String relative) {
        return Golden.path(relative);
    }

    /** The tokenizer of a model file, e.g. {@code models/gemma3-vocab.gguf}. */
    static GemmaTokenizer tokenizer(String modelFile) {
        return TOKENIZERS.computeIfAbsent(modelFile, f -> {
            try (GGUFFile file = GGUFFile.open(path(f))) {
                return GemmaTokenizer.fromGGUF(file);
            }
        });
    }

    static JsonNode json(String relative) {
        return Golden.json(relative);
    }

    /** The lines of {@code tokenizer/cases.jsonl}, one JSON object each. */
    static List<JsonNode> tokenizerCases() {
        try {
            return Files.readAllLines(path("tokenizer/cases.jsonl")).stream()
                    .filter(line -> !line.isBlank())
                    .map(line -> {
                        try {
                            return JSON.readTree(line);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        return Golden.ints(array);
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
