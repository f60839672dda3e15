package dev.gemmaspark.connector.options;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;

/** Turns the text of each option into a typed, range-checked value of {@link GemmaSettings}. */
final class SettingsParser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GemmaOptions options;

    SettingsParser(GemmaOptions options) {
        this.options = options;
    }

    GemmaSettings parse() {
        String model = options.text(GemmaOption.MODEL);
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("no model: set " + GemmaOption.MODEL.confKey()
                    + " (or the 'model' option) to the path of a Gemma 3n GGUF file");
        }
        int threads = intAtLeast(GemmaOption.THREADS, 0);
        return new GemmaSettings(
                model.strip(),
                emptyToNull(options.text(GemmaOption.AUDIO_WEIGHTS).strip()),
                bool(GemmaOption.AUDIO_Q8_0),
                intAtLeast(GemmaOption.MAX_TOKENS, 0),
                floatIn(GemmaOption.TEMPERATURE, 0f, Float.MAX_VALUE, false),
                intAtLeast(GemmaOption.TOP_K, 0),
                floatIn(GemmaOption.TOP_P, 0f, 1f, true),
                floatIn(GemmaOption.MIN_P, 0f, 1f, false),
                longValue(GemmaOption.SEED),
                stopStrings(),
                emptyToNull(options.text(GemmaOption.SYSTEM_PROMPT)),
                options.text(GemmaOption.TRANSCRIBE_PROMPT),
                intAtLeast(GemmaOption.BATCH_SIZE, 1),
                intAtLeast(GemmaOption.CONTEXT_LENGTH, 0),
                threads,
                bool(GemmaOption.FAIL_ON_ERROR),
                emptyToNull(options.text(GemmaOption.LOCAL_CACHE_DIR)));
    }

    private IllegalArgumentException bad(GemmaOption option, String expected) {
        return new IllegalArgumentException(options.source(option) + " must be " + expected + ", got '"
                + options.text(option) + "'");
    }

    private int intAtLeast(GemmaOption option, int min) {
        try {
            int v = Integer.parseInt(options.text(option).strip());
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        throw bad(option, "an integer >= " + min);
    }

    private long longValue(GemmaOption option) {
        try {
            return Long.parseLong(options.text(option).strip());
        } catch (NumberFormatException e) {
            throw bad(option, "an integer");
        }
    }

    /** A float in [min, max], or in (min, max] when {@code openBelow}. */
    private float floatIn(GemmaOption option, float min, float max, boolean openBelow) {
        try {
            float v = Float.parseFloat(options.text(option).strip());
            boolean aboveMin = openBelow ? v > min : v >= min;
            if (aboveMin && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        String range = max == Float.MAX_VALUE ? "a number >= " + min
                : "a number in " + (openBelow ? "(" : "[") + min + ", " + max + "]";
        throw bad(option, range);
    }

    private boolean bool(GemmaOption option) {
        return switch (options.text(option).strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(option, "true or false");
        };
    }

    private List<String> stopStrings() {
        String text = options.text(GemmaOption.STOP);
        if (text.isEmpty()) {
            return List.of();
        }
        if (!text.strip().startsWith("[")) {
            return List.of(text);
        }
        try {
            List<String> stops = JSON.readValue(text, new TypeReference<List<String>>() {});
            if (stops.stream().anyMatch(s -> s == null || s.isEmpty())) {
                throw bad(GemmaOption.STOP, "a JSON array of non-empty strings");
            }
            return List.copyOf(stops);
        } catch (JsonProcessingException e) {
            throw bad(GemmaOption.STOP, "a stop string or a JSON array of strings");
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
