package dev.gemmaspark.connector.options;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Raw option values, each remembering where it was set (for instance {@code spark.gemma.maxTokens}, or
 * {@code option 'maxTokens' of gemma_generate}) so that a bad value is reported under the name the user
 * wrote. Layers merge with {@link #overriddenBy}: a per-call map wins over the session configuration.
 */
public final class GemmaOptions {
    /** Trailing text after the array makes the text no JSON array at all, not an array with a comment. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private record Value(String text, String source) {}

    private final Map<GemmaOption, Value> values;

    private GemmaOptions(Map<GemmaOption, Value> values) {
        this.values = values;
    }

    public static GemmaOptions empty() {
        return new GemmaOptions(Collections.emptyMap());
    }

    /**
     * The {@code spark.gemma.*} entries of a Spark configuration; other keys are ignored, an unknown
     * {@code spark.gemma.} key is an error (it is most likely a misspelt option), and so are two keys that
     * name one option in different case.
     */
    public static GemmaOptions fromConf(Map<String, String> conf) {
        Map<GemmaOption, Value> values = new EnumMap<>(GemmaOption.class);
        conf.forEach((key, text) -> {
            if (key.startsWith(GemmaOption.CONF_PREFIX)) {
                String name = key.substring(GemmaOption.CONF_PREFIX.length());
                GemmaOption option = GemmaOption.byKey(name).orElseThrow(() -> new IllegalArgumentException(
                        "unknown Spark configuration key " + key + "; known spark.gemma options: "
                                + GemmaOption.names()));
                Value before = values.put(option, new Value(text, key));
                if (before != null) {
                    throw sameOption(before.source(), key, "the Spark configuration");
                }
            }
        });
        return new GemmaOptions(values);
    }

    /**
     * Options written without prefix ({@code maxTokens -> 64}), names matched ignoring case; {@code where}
     * says where they come from in messages ("gemma_generate", "the gemma data source"). Keys listed in
     * {@code ignored} (lower case) belong to the caller (a data source's {@code path} or {@code task}) and are
     * skipped. Two keys that differ only in case are refused (see {@link #byLowerCaseKey}).
     */
    public static GemmaOptions fromMap(Map<String, String> options, String where, Set<String> ignored) {
        byLowerCaseKey(options, where);
        Map<GemmaOption, Value> values = new EnumMap<>(GemmaOption.class);
        options.forEach((key, text) -> {
            if (ignored.contains(key.toLowerCase(Locale.ROOT))) {
                return;
            }
            GemmaOption option = GemmaOption.byKey(key).orElseThrow(() -> new IllegalArgumentException(
                    "unknown option '" + key + "' of " + where + "; known options: " + GemmaOption.names()));
            if (text == null) {
                throw new IllegalArgumentException("option '" + key + "' of " + where + " is null");
            }
            values.put(option, new Value(text, "option '" + option.key() + "' of " + where));
        });
        return new GemmaOptions(values);
    }

    /**
     * {@code options} keyed by their lower-case names. Two keys that differ only in case ({@code maxTokens} and
     * {@code MAXTOKENS} in one SQL map) are refused naming both: which of them won would depend on the map's
     * order.
     */
    public static Map<String, String> byLowerCaseKey(Map<String, String> options, String where) {
        Map<String, String> lower = new HashMap<>();
        Map<String, String> written = new HashMap<>();
        options.forEach((key, text) -> {
            String name = key.toLowerCase(Locale.ROOT);
            String before = written.put(name, key);
            if (before != null) {
                throw sameOption("option '" + before + "'", "option '" + key + "'", where);
            }
            lower.put(name, text);
        });
        return lower;
    }

    private static IllegalArgumentException sameOption(String one, String other, String where) {
        List<String> both = new ArrayList<>(List.of(one, other));
        Collections.sort(both);
        return new IllegalArgumentException(both.get(0) + " and " + both.get(1) + " of " + where
                + " set the same option (names ignore case): keep one");
    }

    /**
     * The strings of {@code text} when it is a JSON array of strings, else null (the text is then meant as a
     * plain value: {@code [END]} is no JSON at all, {@code [1]} no array of strings).
     */
    public static List<String> jsonStrings(String text) {
        if (!text.strip().startsWith("[")) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
        if (!node.isArray()) {
            return null;
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                return null;
            }
            strings.add(element.textValue());
        }
        return List.copyOf(strings);
    }

    /** These values, with those of {@code other} replacing them where both set one. */
    public GemmaOptions overriddenBy(GemmaOptions other) {
        Map<GemmaOption, Value> merged = new EnumMap<>(GemmaOption.class);
        merged.putAll(values);
        merged.putAll(other.values);
        return new GemmaOptions(merged);
    }

    /** The value set for {@code option}, else its default. */
    String text(GemmaOption option) {
        Value v = values.get(option);
        return v == null ? option.defaultValue() : v.text();
    }

    /** Whether {@code option} was set, rather than left at its default. */
    boolean isSet(GemmaOption option) {
        return values.containsKey(option);
    }

    /** The name under which {@code option} was set, else its configuration key. */
    public String source(GemmaOption option) {
        Value v = values.get(option);
        return v == null ? option.confKey() : v.source();
    }

    /** Parses and checks every value; throws {@link IllegalArgumentException} naming the bad option. */
    public GemmaSettings settings() {
        return new SettingsParser(this).parse();
    }
}
