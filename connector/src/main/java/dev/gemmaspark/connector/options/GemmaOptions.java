package dev.gemmaspark.connector.options;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Raw option values, each remembering where it was set (for instance {@code spark.gemma.maxTokens}, or
 * {@code option 'maxTokens' of gemma_generate}) so that a bad value is reported under the name the user
 * wrote. Layers merge with {@link #overriddenBy}: a per-call map wins over the session configuration.
 */
public final class GemmaOptions {

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
     * {@code spark.gemma.} key is an error (it is most likely a misspelt option).
     */
    public static GemmaOptions fromConf(Map<String, String> conf) {
        Map<GemmaOption, Value> values = new EnumMap<>(GemmaOption.class);
        conf.forEach((key, text) -> {
            if (key.startsWith(GemmaOption.CONF_PREFIX)) {
                String name = key.substring(GemmaOption.CONF_PREFIX.length());
                GemmaOption option = GemmaOption.byKey(name).orElseThrow(() -> new IllegalArgumentException(
                        "unknown Spark configuration key " + key + "; known spark.gemma options: "
                                + GemmaOption.names()));
                values.put(option, new Value(text, key));
            }
        });
        return new GemmaOptions(values);
    }

    /**
     * Options written without prefix ({@code maxTokens -> 64}), names matched ignoring case; {@code where}
     * says where they come from in messages ("gemma_generate", "the gemma data source"). Keys listed in
     * {@code ignored} belong to the caller (a data source's {@code path} or {@code task}) and are skipped.
     */
    public static GemmaOptions fromMap(Map<String, String> options, String where, java.util.Set<String> ignored) {
        Map<GemmaOption, Value> values = new EnumMap<>(GemmaOption.class);
        options.forEach((key, text) -> {
            if (ignored.contains(key.toLowerCase(java.util.Locale.ROOT))) {
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
