package dev.gemmaspark.engine.kernel;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * HotSpot compiler directives for the engine's own methods, added to the running JVM once (what {@code jcmd <pid>
 * Compiler.directives_add} does), so that every JVM running the engine gets them, Spark executors included, without
 * JVM flags.
 *
 * <p>{@code IncrementalInlineForceCleanup}: C2 inlines the Vector API's intrinsics late, and where it cannot yet
 * tell a vector's exact class it retries a few times, then leaves a call that boxes every vector. In 7 of 11
 * processes that ran the vision tower before the text model it did so in the Q4_0 kernel, and a caption took
 * 9.8-13.7 s instead of 7.4-8.3 s; cleaning the graph up between inlining rounds, so that more classes are known
 * when it retries, made that rare (docs/benchmarks.md, "Images"). It costs compile time only, and only in the
 * engine's methods.
 *
 * <p>A JVM without HotSpot's diagnostic command bean (another VM, a stripped runtime) runs without the directives.
 */
final class CompilerDirectives {
    static final String DIRECTIVES =
            "[{ match: \"dev/gemmaspark/engine/*.*\", c2: { IncrementalInlineForceCleanup: true } }]";
    private static final System.Logger LOG = System.getLogger(CompilerDirectives.class.getName());
    private static boolean installed;

    private CompilerDirectives() {
    }

    /** Adds {@link #DIRECTIVES} to this JVM unless done already; returns whether they are in place. */
    static synchronized boolean install() {
        if (!installed) {
            installed = add(DIRECTIVES);
        }
        return installed;
    }

    private static boolean add(String directives) {
        Path file = null;
        try {
            file = Files.createTempFile("gemma-spark-directives", ".json");
            Files.writeString(file, directives);
            Object answer = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            boolean added = String.valueOf(answer).contains("added");
            if (!added) {
                LOG.log(System.Logger.Level.DEBUG, "compiler directives not added: {0}", answer);
            }
            return added;
        } catch (Exception | LinkageError e) {
            LOG.log(System.Logger.Level.DEBUG, "compiler directives not added", e);
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "could not delete " + file, e);
                }
            }
        }
    }
}
