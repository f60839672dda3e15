package dev.gemmaspark.engine.synth;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A 500-token SentencePiece vocabulary laid out like the golden models' test vocabulary (golden README 8.1):
 * control tokens {@code <pad> <eos> <bos> <unk> <mask> <start_of_turn> <end_of_turn>} at ids 0-6, newline and
 * double-space pieces, the 256 byte tokens at 10-265, then normal pieces: single characters and the prefixes of
 * common English words (every prefix is present, so SentencePiece merging can reach each word).
 */
final class SyntheticVocabulary {
    static final int SIZE = 500;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int BYTE = 6;
    private static final int NORMAL = 1;
    private static final String SPACE = "\u2581";
    private static final List<String> CONTROL_TOKENS = List.of("<pad>", "<eos>", "<bos>", "<unk>", "<mask>",
            "<start_of_turn>", "<end_of_turn>");
    /** Gemma 3n's multimodal control tokens, for models that take audio or images. */
    private static final List<String> MULTIMODAL_TOKENS = List.of("<start_of_image>", "<end_of_image>",
            "<image_soft_token>", "<start_of_audio>", "<end_of_audio>", "<audio_soft_token>");
    private static final String CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()";
    private static final List<String> WORDS = List.of("the", "and", "of", "to", "in", "is", "was", "it", "for", "on",
            "with", "as", "he", "she", "they", "you", "that", "this", "time", "little", "girl", "once", "upon", "there",
            "who", "lived", "village", "near", "forest", "quick", "brown", "fox", "what", "capital", "France", "The",
            "Once", "red", "hood", "grandmother", "wolf", "went", "said", "day", "one", "would", "could", "about",
            "model", "user", "hello", "world", "which", "their", "were", "have", "had", "not", "but", "all", "when",
            "from", "be", "are", "at", "by", "or", "an", "so", "we", "can", "if", "my", "no", "do", "up", "out",
            "her", "him", "his", "them", "then", "some", "into", "over", "after", "before", "water", "house",
            "mother", "father", "children", "good", "great", "small", "long", "first", "last", "other", "people");
    /** Gemma's chat template, as in the golden models. */
    static final String CHAT_TEMPLATE = """
{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '

' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '

' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '
' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>
' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model
'}}
{%- endif -%}
""";

    private SyntheticVocabulary() {
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static Vocabulary create(boolean multimodal) {
        String[] tokens = new String[SIZE];
        float[] scores = new float[SIZE];
        int[] types = new int[SIZE];
        int id = 0;
        for (String t : multimodal ? concat(CONTROL_TOKENS, MULTIMODAL_TOKENS) : CONTROL_TOKENS) {
            tokens[id] = t;
            scores[id] = -1000f;
            types[id++] = CONTROL;
        }
        for (String t : List.of("\n", "\n\n", "  ")) {
            tokens[id] = t;
            scores[id] = -1000f;
            types[id++] = USER_DEFINED;
        }
        for (int b = 0; b < 256; b++) {
            tokens[id] = String.format("<0x%02X>", b);
            types[id++] = BYTE;
        }
        int firstNormal = id;
        for (String piece : normalPieces(SIZE - firstNormal)) {
            tokens[id] = piece;
            scores[id] = -(id - firstNormal);
            types[id++] = NORMAL;
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("tokenizer.ggml.model", "llama");
        keys.put("tokenizer.ggml.pre", "default");
        keys.put(Vocabulary.TOKENS, tokens);
        keys.put(Vocabulary.SCORES, scores);
        keys.put(Vocabulary.TYPES, types);
        keys.put("tokenizer.ggml.bos_token_id", 2L);
        keys.put("tokenizer.ggml.eos_token_id", 1L);
        keys.put("tokenizer.ggml.unknown_token_id", 3L);
        keys.put("tokenizer.ggml.padding_token_id", 0L);
        keys.put("tokenizer.ggml.add_bos_token", true);
        keys.put("tokenizer.ggml.add_eos_token", false);
        keys.put("tokenizer.ggml.add_space_prefix", false);
        keys.put("tokenizer.chat_template", CHAT_TEMPLATE);
        return new Vocabulary(keys);
    }

    private static List<String> normalPieces(int count) {
        Set<String> pieces = new LinkedHashSet<>();
        pieces.add(SPACE);
        CHARACTERS.chars().forEach(c -> pieces.add(String.valueOf((char) c)));
        for (String word : WORDS) {
            String w = SPACE + word;
            for (int end = 2; end <= w.length() && pieces.size() < count; end++) {
                pieces.add(w.substring(0, end));
            }
        }
        if (pieces.size() < count) {
            throw new IllegalStateException("word list gives " + pieces.size() + " pieces, " + count + " needed");
        }
        return List.copyOf(pieces);
    }
}
