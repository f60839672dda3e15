package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The data source's own options, checked on the driver. */
class SourceOptionsTest {
    private static final Map<String, String> CONF = Map.of("spark.gemma.model", "/m.gguf");

    private static SourceOptions parse(String... keysAndValues) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            options.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return SourceOptions.parse(options, CONF);
    }

    private static void assertMessage(String expected, String... keysAndValues) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> parse(keysAndValues)).getMessage());
    }

    @Test
    void labelsAreAJsonArrayOfStringsOrElseACommaSeparatedList() {
        assertEquals(List.of("[A]", "[B]"), parse("task", "classify", "path", "/d", "labels", "[A], [B]").labels());
        assertEquals(List.of("a, b", "c"), parse("task", "classify", "path", "/d", "labels", "[\"a, b\", \"c\"]").labels());
        assertMessage("option 'labels' of the gemma data source has an empty label: 'a,,b'",
                "task", "classify", "path", "/d", "labels", "a,,b");
    }

    @Test
    void anOptionOfAnotherTaskIsRefusedRatherThanIgnored() {
        assertMessage("option 'prompt' of the gemma data source belongs to task generate, not summarize",
                "task", "summarize", "path", "/d", "prompt", "Summarize: {content}");
        assertMessage("option 'prompt' of the gemma data source belongs to task generate, not transcribe (which takes "
                + "transcribePrompt)", "task", "transcribe", "path", "/d", "prompt", "Transcribe");
        assertMessage("option 'labels' of the gemma data source belongs to task classify, not score",
                "task", "score", "path", "/d", "labels", "a,b");
        assertMessage("option 'maxWords' of the gemma data source belongs to task summarize or caption, not generate",
                "task", "generate", "path", "/d", "maxWords", "5");
        assertMessage("option 'prompt' of the gemma data source belongs to task generate, not caption",
                "task", "caption", "path", "/d", "prompt", "Describe {content}");
        assertEquals(5, parse("task", "caption", "path", "/d", "maxWords", "5").maxWords());
        assertMessage("option 'maxWords' of the gemma data source must be an integer > 0, got '0'",
                "task", "caption", "path", "/d", "maxWords", "0");
    }

    @Test
    void pathsMustBeNonEmpty() {
        assertMessage("option 'path' of the gemma data source needs non-empty paths, got ''", "task", "score", "path", "");
        assertMessage("option 'paths' of the gemma data source needs non-empty paths, got '[\"/a\", \" \"]'",
                "task", "score", "paths", "[\"/a\", \" \"]");
        assertMessage("option 'paths' of the gemma data source needs non-empty paths, got '[]'", "task", "score", "paths", "[]");
        assertMessage("option 'paths' of the gemma data source is not a JSON array of paths: '[\"/a\", null]'",
                "task", "score", "paths", "[\"/a\", null]");
        assertEquals(List.of("/a", "/b"), parse("task", "score", "paths", "[\"/a\", \"/b\"]").paths());
    }

    @Test
    void keysThatDifferOnlyInCaseAreRefused() {
        assertMessage("option 'TASK' and option 'task' of the gemma data source set the same option (names ignore "
                + "case): keep one", "task", "score", "TASK", "classify", "path", "/d");
    }
}
