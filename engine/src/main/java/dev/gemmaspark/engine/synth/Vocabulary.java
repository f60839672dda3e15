package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFWriter;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tokenizer.*} metadata of a synthesized model, as decoded values in file order: taken from a
 * vocabulary GGUF, or the small synthetic vocabulary of {@link SyntheticVocabulary}.
 */
final class Vocabulary {
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TYPES = "tokenizer.ggml.token_type";
    /** SentencePiece token type of the converter's padding entries. */
    static final int UNUSED = 5;
    /** Score the converter gives slots that no tokenizer file fills. */
    static final float PAD_SCORE = -10000f;
    /** SentencePiece token type of control tokens. */
    static final int CONTROL = 3;
    static final int GEMMA3N_SIZE = 262_400;
    /**
     * Gemma 3n's multimodal tokens by id (gemma3n-multimodal spec 2.1); Gemma 3's vocabulary has
     * {@code <end_of_image>} at 256000 and nothing from 262144 on.
     */
    private static final Map<Integer, String> GEMMA3N_MULTIMODAL = Map.of(256000, "<start_of_audio>",
            262144, "<end_of_image>", 262145, "<image_soft_token>", 262272, "<end_of_audio>",
            262273, "<audio_soft_token>");

    private final Map<String, Object> keys;

    Vocabulary(Map<String, Object> keys) {
        this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        int n = tokens().length;
        if (scores().length != n || types().length != n) {
            throw new IllegalArgumentException("vocabulary has " + n + " tokens, " + scores().length + " scores and "
                    + types().length + " token types");
        }
    }

    /** Every {@code tokenizer.*} key of the GGUF file at {@code path}, which must hold tokens, scores and types. */
    static Vocabulary fromGGUF(Path path) {
        try (GGUFFile f = GGUFFile.open(path)) {
            Map<String, Object> keys = new LinkedHashMap<>();
            f.metadata().forEach((k, v) -> {
                if (k.startsWith("tokenizer.")) {
                    keys.put(k, v);
                }
            });
            if (!(keys.get(TOKENS) instanceof String[]) || !(keys.get(SCORES) instanceof float[])
                    || !(keys.get(TYPES) instanceof int[])) {
                throw f.error("not a vocabulary: needs " + TOKENS + ", " + SCORES + " and " + TYPES);
            }
            try {
                return new Vocabulary(keys);
            } catch (IllegalArgumentException e) {
                throw f.error(e.getMessage());
            }
        }
    }

    Map<String, Object> keys() {
        return keys;
    }

    String[] tokens() {
        return (String[]) keys.get(TOKENS);
    }

    float[] scores() {
        return (float[]) keys.get(SCORES);
    }

    int[] types() {
        return (int[]) keys.get(TYPES);
    }

    int size() {
        return tokens().length;
    }

    /**
     * This vocabulary with entries {@code [PAD<id>]} (type UNUSED, score -10000) appended up to {@code size}, as
     * llama.cpp's converter fills the slots of Gemma 3n's 262400 that its tokenizer files leave empty.
     */
    Vocabulary paddedTo(int size) {
        int n = size();
        if (size <= n) {
            return this;
        }
        String[] tokens = Arrays.copyOf(tokens(), size);
        float[] scores = Arrays.copyOf(scores(), size);
        int[] types = Arrays.copyOf(types(), size);
        for (int id = n; id < size; id++) {
            tokens[id] = "[PAD" + id + "]";
            scores[id] = PAD_SCORE;
            types[id] = UNUSED;
        }
        Map<String, Object> padded = new LinkedHashMap<>(keys);
        padded.put(TOKENS, tokens);
        padded.put(SCORES, scores);
        padded.put(TYPES, types);
        return new Vocabulary(padded);
    }

    /**
     * This vocabulary with Gemma 3n's multimodal control tokens at their ids, for a model that takes audio: a
     * vocabulary of Gemma 3n's 262400 tokens gets them (one copied from Gemma 3 has other tokens there); a smaller
     * one must have the audio tokens already.
     *
     * @param source where the vocabulary came from, for the error
     */
    Vocabulary withMultimodalTokens(String source) {
        String[] tokens = tokens();
        if (tokens.length < GEMMA3N_SIZE) {
            List<String> present = Arrays.asList(tokens);
            if (!present.contains("<audio_soft_token>") || !present.contains("<end_of_audio>")) {
                throw new IllegalArgumentException(source + ": the vocabulary has " + tokens.length + " tokens and no"
                        + " <audio_soft_token>/<end_of_audio>; an audio model needs them (or Gemma 3n's 262400 ids)");
            }
            return this;
        }
        tokens = tokens.clone();
        int[] types = types().clone();
        for (Map.Entry<Integer, String> e : GEMMA3N_MULTIMODAL.entrySet()) {
            tokens[e.getKey()] = e.getValue();
            types[e.getKey()] = CONTROL;
        }
        Map<String, Object> renamed = new LinkedHashMap<>(keys);
        renamed.put(TOKENS, tokens);
        renamed.put(TYPES, types);
        return new Vocabulary(renamed);
    }

    /** Puts every key into {@code w}, with the types the converter writes ({@link GGUFWriter#putDecoded}). */
    void writeTo(GGUFWriter w) {
        keys.forEach(w::putDecoded);
    }
}
