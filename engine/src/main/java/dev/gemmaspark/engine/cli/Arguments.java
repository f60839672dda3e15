package dev.gemmaspark.engine.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The options given to one command, parsed against the options it declares: the one parser every command
 * shares. Values are checked and converted on access, so a bad value is reported with its option's name.
 */
final class Arguments {
    private final Map<String, List<String>> values;

    private Arguments(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Parses {@code args} (the words after the command name) against {@code options}. */
    static Arguments parse(String command, List<Option> options, List<String> args) {
        Map<String, Option> known = new HashMap<>();
        for (Option o : options) {
            known.put(o.name(), o);
        }
        Map<String, List<String>> values = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            Option o = known.get(name);
            if (o == null && !arg.startsWith("--")) {
                // a command may also take llama.cpp's short options (bench's -p, -n, -r)
                throw new UsageException("unexpected argument '" + arg + "' (options start with --; see gemma-spark "
                        + command + " --help)");
            }
            if (o == null) {
                throw new UsageException("unknown option " + name + " for " + command + " (see gemma-spark " + command
                        + " --help)");
            }
            String value;
            if (!o.takesValue()) {
                if (eq >= 0) {
                    throw UsageException.of(name, "takes no value");
                }
                value = "";
            } else if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size() && !isOption(known, args.get(i + 1))) {
                value = args.get(++i);
            } else {
                throw UsageException.of(name, "needs a value (" + o.valueName() + ")");
            }
            List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!list.isEmpty() && !o.repeatable()) {
                throw UsageException.of(name, "given more than once");
            }
            list.add(value);
        }
        return new Arguments(values);
    }

    /** Whether {@code arg} is one of the command's options (then it cannot be the value of the one before). */
    private static boolean isOption(Map<String, Option> known, String arg) {
        int eq = arg.indexOf('=');
        return known.containsKey(eq < 0 ? arg : arg.substring(0, eq));
    }

    /** Whether the option (a flag, or one with a value) was given. */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of {@code name}, or null when it was not given. */
    String string(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.getFirst();
    }

    String required(String name) {
        String v = string(name);
        if (v == null) {
            throw new UsageException("missing option " + name);
        }
        return v;
    }

    /** Every value of a repeatable option, in order. */
    List<String> all(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }

    Path path(String name) {
        return Path.of(required(name));
    }

    int intValue(String name, int fallback) {
        return parsed(name, fallback, Integer::parseInt, "an integer");
    }

    long longValue(String name, long fallback) {
        return parsed(name, fallback, Long::parseLong, "an integer");
    }

    float floatValue(String name, float fallback) {
        return parsed(name, fallback, v -> {
            float f = Float.parseFloat(v);
            if (Float.isNaN(f)) {
                throw new NumberFormatException();
            }
            return f;
        }, "a number");
    }

    private <T> T parsed(String name, T fallback, Function<String, T> parse, String kind) {
        String v = string(name);
        if (v == null) {
            return fallback;
        }
        try {
            return parse.apply(v.strip());
        } catch (NumberFormatException e) {
            throw UsageException.of(name, "'" + v + "' is not " + kind);
        }
    }

    /** Exactly one of the two options must be given. */
    void requireOneOf(String a, String b) {
        if (has(a) == has(b)) {
            throw new UsageException(has(a) ? "give " + a + " or " + b + ", not both"
                    : "missing option " + a + " or " + b);
        }
    }
}
