package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The engine's compiler directives are in the JVM's directive stack, once, as soon as a thread pool exists (HotSpot). */
class CompilerDirectivesTest {
    private static final String MATCH = "matching: dev/gemmaspark/engine/*.*";

    @Test
    void aThreadPoolInstallsTheDirectivesForTheEnginesMethodsOnce() throws Exception {
        new ThreadPool(1).close();
        String printed = printed();
        int at = printed.indexOf(MATCH);
        assertTrue(at >= 0, printed);
        String c2 = printed.substring(printed.indexOf("c2 directives:", at));
        assertTrue(c2.substring(0, c2.indexOf("\n\n")).contains("IncrementalInlineForceCleanup:true"), c2);
        assertTrue(CompilerDirectives.install(), "in place");
        new ThreadPool(1).close();
        assertEquals(1, printed().split(Pattern.quote(MATCH), -1).length - 1, "added once");
    }

    private static String printed() throws Exception {
        return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[] {new String[0]}, new String[] {String[].class.getName()}));
    }
}
