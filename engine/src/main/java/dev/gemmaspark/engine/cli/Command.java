package dev.gemmaspark.engine.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/** A subcommand of {@code gemma-spark}. To add one, implement this and list it in {@link Main#COMMANDS}. */
interface Command {
    /** The word that selects it: {@code generate}. */
    String name();

    /** One line for the top-level help. */
    String summary();

    /** What follows the command name in its usage line: {@code --model M.gguf --prompt T [options]}. */
    String synopsis();

    /** The options it accepts ({@code --help} and {@code --verbose} are added to every command). */
    List<Option> options();

    /**
     * Runs it. Results go to {@code out}; diagnostics ({@code --verbose}) to {@code err}. A bad command line
     * throws {@link UsageException}; anything else thrown is a runtime failure whose message is shown.
     */
    void run(Arguments args, PrintStream out, PrintStream err) throws IOException;
}
