package dev.gemmaspark.engine.cli;

/**
 * One command-line option, {@code --name VALUE} (also written {@code --name=VALUE}) or a flag.
 *
 * @param name       the option with its dashes, e.g. {@code --model}
 * @param valueName  how help names its value, e.g. {@code M.gguf}; null for a flag
 * @param help       one line for {@code --help}
 * @param repeatable whether it may be given more than once (each value is kept)
 */
record Option(String name, String valueName, String help, boolean repeatable) {

    static Option flag(String name, String help) {
        return new Option(name, null, help, false);
    }

    static Option value(String name, String valueName, String help) {
        return new Option(name, valueName, help, false);
    }

    static Option repeatable(String name, String valueName, String help) {
        return new Option(name, valueName, help, true);
    }

    boolean takesValue() {
        return valueName != null;
    }

    /** How the option is written in help: {@code --model M.gguf}. */
    String synopsis() {
        return takesValue() ? name + " " + valueName : name;
    }
}
