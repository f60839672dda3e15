package dev.gemmaspark.engine.tokenizer;

import dev.gemmaspark.engine.gguf.GGUFFile;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * A SentencePiece vocabulary read from {@code tokenizer.ggml.*} the way llama.cpp's {@code llama_vocab::load} reads
 * it: pieces, scores, attributes, special ids and flags with llama.cpp's SPM defaults, and the text-based
 * detection that forces end-of-turn-looking tokens to CONTROL and builds the end-of-generation set.
 */
final class Vocabulary {
    static final int NONE = -1;

    private static final String KEY_MODEL = "tokenizer.ggml.model";
    private static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    private static final String KEY_SCORES = "tokenizer.ggml.scores";
    private static final String KEY_TYPES = "tokenizer.ggml.token_type";

    /** Texts that make a token end generation (llama.cpp's list); matching tokens are also forced to CONTROL. */
    private static final Set<String> END_OF_GENERATION_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
            "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
            "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");

    /**
     * Special roles that llama.cpp takes from their id key or, when the key is absent, recognises by text: the
     * token found is forced to CONTROL, and for some roles it ends generation.
     */
    private enum DetectedRole {
        EOT("tokenizer.ggml.eot_token_id", null, true, "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>",
                "<end_of_utterance>"),
        EOM("tokenizer.ggml.eom_token_id", null, true, "<|eom_id|>"),
        FIM_PRE("tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.prefix_token_id", false, "<|fim_prefix|>",
                "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"),
        FIM_SUF("tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.suffix_token_id", false, "<|fim_suffix|>",
                "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"),
        FIM_MID("tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.middle_token_id", false, "<|fim_middle|>",
                "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"),
        FIM_PAD("tokenizer.ggml.fim_pad_token_id", null, true, "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
                "[PAD]"),
        FIM_REP("tokenizer.ggml.fim_rep_token_id", null, true, "<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
                "<REPO>", "<reponame>"),
        FIM_SEP("tokenizer.ggml.fim_sep_token_id", null, true, "<|file_sep|>");

        final String key;
        final String deprecatedKey; // older files' name for the id; it wins when present, as in llama.cpp
        final boolean endsGeneration;
        final String[] texts;

        DetectedRole(String key, String deprecatedKey, boolean endsGeneration, String... texts) {
            this.key = key;
            this.deprecatedKey = deprecatedKey;
            this.endsGeneration = endsGeneration;
            this.texts = texts;
        }
    }

    final String[] texts;
    final PieceIndex pieces;
    final float[] scores;
    final int[] attrs;
    final int bos;
    final int eos;
    final int pad;
    final boolean addBos;
    final boolean addEos;
    final boolean addSpacePrefix;
    private final int[] byteTokens;
    private final boolean[] endOfGeneration;

    private Vocabulary(GGUFFile file) {
        String model = file.getString(KEY_MODEL);
        if (!model.equals("llama")) {
            throw file.error(KEY_MODEL + " is '" + model
                    + "': only SentencePiece vocabularies ('llama') are supported");
        }
        texts = readTexts(file);
        int n = texts.length;
        scores = readScores(file, n);
        attrs = readAttrs(file, n);

        byte[][] utf8 = new byte[n][];
        for (int id = 0; id < n; id++) {
            utf8[id] = texts[id].getBytes(StandardCharsets.UTF_8);
        }
        try {
            pieces = new PieceIndex(utf8);
        } catch (IllegalArgumentException e) {
            throw file.error(KEY_TOKENS + ": " + e.getMessage() + " (a vocabulary needs distinct pieces)");
        }
        checkBytePieces(file);
        byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = findByteToken(b);
        }

        // llama.cpp's SPM defaults, used when a key is absent (a default outside the vocabulary means "none").
        bos = specialId(file, "tokenizer.ggml.bos_token_id", 1);
        eos = specialId(file, "tokenizer.ggml.eos_token_id", 2);
        pad = specialId(file, "tokenizer.ggml.padding_token_id", NONE);
        addBos = file.getBoolean("tokenizer.ggml.add_bos_token", true);
        addEos = file.getBoolean("tokenizer.ggml.add_eos_token", false);
        addSpacePrefix = file.getBoolean("tokenizer.ggml.add_space_prefix", true);
        if (addBos && bos == NONE) {
            throw file.error("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
        }
        if (addEos && eos == NONE) {
            throw file.error("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
        }
        endOfGeneration = deriveEndOfGeneration(file);
    }

    static Vocabulary fromGGUF(GGUFFile file) {
        return new Vocabulary(file);
    }

    int size() {
        return texts.length;
    }

    boolean isEndOfGeneration(int id) {
        return id >= 0 && id < endOfGeneration.length && endOfGeneration[id];
    }

    /** llama.cpp's byte_to_token: {@code <0xXX>}, else the one-byte piece. */
    int byteToken(int b) {
        int id = byteTokens[b];
        if (id < 0) {
            throw new IllegalStateException(String.format(
                    "the vocabulary has no token for byte 0x%02X (neither <0x%02X> nor the byte itself)", b, b));
        }
        return id;
    }

    /** The byte a BYTE token stands for (its text is {@code <0xXX>}, checked at load). */
    int byteValue(int id) {
        byte[] b = pieces.bytes();
        int s = pieces.start(id);
        return Character.digit(b[s + 3], 16) << 4 | Character.digit(b[s + 4], 16);
    }

    private static String[] readTexts(GGUFFile file) {
        String[] texts = file.getStringArray(KEY_TOKENS);
        if (texts.length == 0) {
            throw file.error(KEY_TOKENS + " is empty");
        }
        String[] out = texts;
        for (int id = 0; id < texts.length; id++) {
            if (texts[id].isEmpty()) {
                if (out == texts) {
                    out = texts.clone(); // the array belongs to the file's metadata
                }
                out[id] = "[EMPTY_" + id + "]"; // llama.cpp's name for an empty piece
            }
        }
        return out;
    }

    private static float[] readScores(GGUFFile file, int n) {
        if (!file.has(KEY_SCORES)) {
            return new float[n];
        }
        float[] scores;
        if (file.metadata().get(KEY_SCORES) instanceof float[] f) {
            scores = f;
        } else {
            int[] ints = file.getIntArray(KEY_SCORES);
            scores = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                scores[i] = ints[i];
            }
        }
        if (scores.length < n) {
            throw file.error(KEY_SCORES + " has " + scores.length + " entries for " + n + " tokens");
        }
        return scores;
    }

    private static int[] readAttrs(GGUFFile file, int n) {
        int[] attrs = new int[n];
        if (!file.has(KEY_TYPES)) {
            Arrays.fill(attrs, TokenAttr.NORMAL);
            return attrs;
        }
        int[] types = file.getIntArray(KEY_TYPES);
        if (types.length < n) {
            throw file.error(KEY_TYPES + " has " + types.length + " entries for " + n + " tokens");
        }
        for (int id = 0; id < n; id++) {
            attrs[id] = TokenAttr.fromGgufType(types[id]);
        }
        return attrs;
    }

    private void checkBytePieces(GGUFFile file) {
        for (int id = 0; id < texts.length; id++) {
            if ((attrs[id] & TokenAttr.BYTE) != 0 && !texts[id].matches("<0x[0-9A-Fa-f]{2}>")) {
                throw file.error(KEY_TYPES + " marks token " + id + " '" + texts[id]
                        + "' as a byte, but its piece is not of the form <0xXX>");
            }
        }
    }

    private int findByteToken(int b) {
        byte[] hex = String.format("<0x%02X>", b).getBytes(StandardCharsets.US_ASCII);
        int id = pieces.find(hex, 0, hex.length);
        return id >= 0 ? id : pieces.find(new byte[] {(byte) b}, 0, 1);
    }

    private int specialId(GGUFFile file, String key, int fallback) {
        if (!file.has(key)) {
            return fallback < size() ? fallback : NONE;
        }
        long id = file.getLong(key);
        if (id < 0 || id >= size()) {
            throw file.error(key + " = " + id + " is outside the vocabulary (" + size() + " tokens)");
        }
        return (int) id;
    }

    private int tokenOf(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return pieces.find(b, 0, b.length);
    }

    private boolean[] deriveEndOfGeneration(GGUFFile file) {
        boolean[] eog = new boolean[size()];
        for (String text : END_OF_GENERATION_TEXTS) {
            int id = tokenOf(text);
            if (id >= 0) {
                eog[id] = true;
                attrs[id] |= TokenAttr.CONTROL;
            }
        }
        if (eos != NONE) {
            eog[eos] = true;
        }
        for (DetectedRole role : DetectedRole.values()) {
            int id = specialId(file, role.key, NONE);
            if (role.deprecatedKey != null && file.has(role.deprecatedKey)) {
                id = specialId(file, role.deprecatedKey, NONE);
            }
            if (id == NONE) {
                id = detect(role);
            }
            if (id != NONE && role.endsGeneration) {
                eog[id] = true;
            }
        }
        return eog;
    }

    /**
     * The token of the role's first text present, forced to CONTROL. llama.cpp scans a hash map here, so with
     * several candidates present its pick is unspecified; we take the lowest id (Gemma has one candidate at most).
     */
    private int detect(DetectedRole role) {
        int found = NONE;
        for (String text : role.texts) {
            int id = tokenOf(text);
            if (id >= 0 && (found == NONE || id < found)) {
                found = id;
            }
        }
        if (found != NONE) {
            attrs[found] |= TokenAttr.CONTROL;
        }
        return found;
    }
}
