package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@code gemma-spark} command line: {@code gemma-spark <command> [options]}. Exit status 0 on success, 2 for
 * a bad command line, 1 when the command fails; errors are one line on stderr ({@code gemma-spark: ...}), with
 * the stack trace only under {@code --verbose}.
 */
public final class Main {
    static final List<Command> COMMANDS = List.of(
            new InfoCommand(), new TokenizeCommand(), new GenerateCommand(), new LogitsCommand(), new BenchCommand(),
            new SynthCommand(), new TranscribeCommand(), new EmbedImageCommand(),
            new EmbedAudioCommand());

    static final Option HELP = Option.flag("--help", "show this help and exit");
    static final Option VERBOSE = Option.flag("--verbose", "timings on stderr, and stack traces with errors");

    static final ObjectMapper JSON = new ObjectMapper();

    private Main() {
    }

    public static void main(String[] args) {
        // Output is UTF-8 whatever the platform's default, so that JSON and generated text survive intact.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = run(args, out, err);
        out.flush();
        System.exit(status);
    }

    /** Runs the command line {@code args}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> words = Arrays.asList(args);
        boolean verbose = words.contains(VERBOSE.name());
        try {
            if (words.isEmpty()) {
                err.print(usage());
                return 2;
            }
            String first = words.getFirst();
            if (first.equals(HELP.name()) || first.equals("-h") || first.equals("help")) {
                out.print(words.size() > 1 ? help(command(words.get(1))) : usage());
                return 0;
            }
            Command command = command(first);
            List<String> rest = words.subList(1, words.size());
            if (rest.contains(HELP.name()) || rest.contains("-h")) {
                out.print(help(command));
                return 0;
            }
            command.run(Arguments.parse(command.name(), allOptions(command), rest), out, err);
            return 0;
        } catch (UsageException e) {
            report(err, e, verbose);
            return 2;
        } catch (Exception | OutOfMemoryError e) {
            report(err, e, verbose);
            return 1;
        } finally {
            out.flush();
        }
    }

    private static Command command(String name) {
        for (Command c : COMMANDS) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new UsageException("unknown command '" + name + "' (commands: "
                + COMMANDS.stream().map(Command::name).collect(Collectors.joining(", ")) + ")");
    }

    private static List<Option> allOptions(Command c) {
        List<Option> all = new ArrayList<>(c.options());
        all.add(VERBOSE);
        all.add(HELP);
        return all;
    }

    private static void report(PrintStream err, Throwable e, boolean verbose) {
        err.println("gemma-spark: " + describe(e));
        if (verbose) {
            e.printStackTrace(err);
        }
    }

    /** One line saying what went wrong; the exceptions of the file system name the file. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) {
            return f.getFile() + ": no such file";
        }
        if (e instanceof AccessDeniedException f) {
            return f.getFile() + ": permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + e.getMessage() + "); give the JVM more with JAVA_OPTS=-Xmx...";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("gemma-spark: Gemma 3n inference in pure Java\n\n");
        b.append("usage: gemma-spark <command> [options]\n\ncommands:\n");
        for (Command c : COMMANDS) {
            b.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        b.append("\n'gemma-spark <command> --help' lists a command's options.\n");
        return b.toString();
    }

    static String help(Command c) {
        StringBuilder b = new StringBuilder();
        b.append("usage: gemma-spark ").append(c.name()).append(' ').append(c.synopsis()).append("\n\n");
        b.append(c.summary()).append("\n\noptions:\n");
        List<Option> options = allOptions(c);
        int width = options.stream().mapToInt(o -> o.synopsis().length()).max().orElse(0);
        for (Option o : options) {
            b.append(String.format("  %-" + width + "s  %s%s%n", o.synopsis(), o.help(),
                    o.repeatable() ? " (repeatable)" : ""));
        }
        return b.toString();
    }
}
