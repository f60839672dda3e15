package dev.gemmaspark.connector.options;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.scheduler.SchedulerOptions;
import java.util.List;
import java.util.Locale;

/** Turns the text of each option into a typed, range-checked value of {@link GemmaSettings}. */
final class SettingsParser {
    /** The most {@code kvCacheMB} whose bytes still fit a long (the engine counts the budget in bytes). */
    static final long MAX_KV_CACHE_MB = Long.MAX_VALUE >> 20;

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
        return new GemmaSettings(
                model.strip(),
                emptyToNull(options.text(GemmaOption.AUDIO_WEIGHTS).strip()),
                bool(GemmaOption.AUDIO_Q8_0),
                emptyToNull(options.text(GemmaOption.MMPROJ).strip()),
                intAtLeast(GemmaOption.MAX_TOKENS, 0),
                floatIn(GemmaOption.TEMPERATURE, 0f, Float.MAX_VALUE, false),
                intAtLeast(GemmaOption.TOP_K, 0),
                floatIn(GemmaOption.TOP_P, 0f, 1f, true),
                floatIn(GemmaOption.MIN_P, 0f, 1f, false),
                longIn(GemmaOption.SEED, Long.MIN_VALUE, Long.MAX_VALUE),
                stopStrings(),
                emptyToNull(options.text(GemmaOption.SYSTEM_PROMPT)),
                options.text(GemmaOption.TRANSCRIBE_PROMPT),
                bool(GemmaOption.PARSE_SPECIAL),
                bool(GemmaOption.TRUNCATE),
                intAtLeast(GemmaOption.BATCH_SIZE, 1),
                contextLength(),
                options.isSet(GemmaOption.CONTEXT_LENGTH) ? options.source(GemmaOption.CONTEXT_LENGTH) : null,
                intAtLeast(GemmaOption.MAX_SEQUENCES, 0),
                longIn(GemmaOption.KV_CACHE_MB, 0, MAX_KV_CACHE_MB),
                longIn(GemmaOption.PREFIX_CACHE_MB, 0, SchedulerOptions.MAX_PREFIX_CACHE_MB),
                intAtLeast(GemmaOption.THREADS, 0),
                device(),
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

    /**
     * 0 for the model's own, else at least 2: a sequence holds its prompt (at least the BOS token) and one
     * generated token, as the engine's scheduler requires.
     */
    private int contextLength() {
        try {
            int v = Integer.parseInt(options.text(GemmaOption.CONTEXT_LENGTH).strip());
            if (v == 0 || v >= 2) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        throw bad(GemmaOption.CONTEXT_LENGTH, "0 (the model's own) or an integer >= 2");
    }

    /** {@code cpu}, {@code opencl} or {@code opencl:N}, as the engine takes it (checked here, on the driver). */
    private String device() {
        String device = options.text(GemmaOption.DEVICE).strip().toLowerCase(Locale.ROOT);
        try {
            EngineOptions.defaults().withDevice(device);
            return device;
        } catch (IllegalArgumentException e) {
            throw bad(GemmaOption.DEVICE, "cpu, opencl or opencl:N");
        }
    }

    private long longIn(GemmaOption option, long min, long max) {
        try {
            long v = Long.parseLong(options.text(option).strip());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        throw bad(option, min == Long.MIN_VALUE ? "an integer" : "an integer in [" + min + ", " + max + "]");
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

    /** A JSON array of strings is a list of stop strings; any other text is one stop string, as written. */
    private List<String> stopStrings() {
        String text = options.text(GemmaOption.STOP);
        if (text.isEmpty()) {
            return List.of();
        }
        List<String> stops = GemmaOptions.jsonStrings(text);
        if (stops == null) {
            return List.of(text);
        }
        if (stops.contains("")) {
            throw bad(GemmaOption.STOP, "a stop string, or a JSON array of non-empty stop strings");
        }
        return stops;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
