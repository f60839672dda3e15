package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private static void assertUsageError(String message, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), r.err());
        assertEquals("gemma-spark: " + message + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownOptionsAreUsageErrorsNamingTheOption() {
        assertUsageError("unknown option --frobnicate for generate (see gemma-spark generate --help)",
                "generate", "--model", "m.gguf", "--prompt", "hi", "--frobnicate");
        assertUsageError("unknown option --top-k for tokenize (see gemma-spark tokenize --help)",
                "tokenize", "--model", "m.gguf", "--text", "hi", "--top-k=3");
    }

    @Test
    void missingOptionsAndValuesAreUsageErrors() {
        assertUsageError("missing option --model", "generate", "--prompt", "hi");
        assertUsageError("missing option --prompt", "generate", "--model", "m.gguf");
        assertUsageError("option --prompt: needs a value (T)", "generate", "--model", "m.gguf", "--prompt");
        assertUsageError("option --model: needs a value (M.gguf)", "info", "--model", "--json");
        assertUsageError("missing option --text or --jsonl", "tokenize", "--model", "m.gguf");
        assertUsageError("give --text or --jsonl, not both", "tokenize", "--model", "m.gguf", "--text", "a",
                "--jsonl", "f");
        assertUsageError("missing option --out", "logits", "--model", "m.gguf", "--tokens", "1,2");
    }

    @Test
    void badValuesAreUsageErrorsNamingTheOption() {
        assertUsageError("option --max-tokens: 'ten' is not an integer",
                "generate", "--model", "m.gguf", "--prompt", "hi", "--max-tokens", "ten");
        assertUsageError("option --temperature: '0,7' is not a number",
                "generate", "--model", "m.gguf", "--prompt", "hi", "--temperature=0,7");
        assertUsageError("option --temperature: must be 0 or more, got -1.0",
                "generate", "--model", "m.gguf", "--prompt", "hi", "--temperature", "-1");
        assertUsageError("option --top-p: must be in (0, 1], got 1.5",
                "generate", "--model", "m.gguf", "--prompt", "hi", "--top-p", "1.5");
        assertUsageError("option --threads: must be at least 1, got 0",
                "generate", "--model", "m.gguf", "--prompt", "hi", "--threads", "0");
        assertUsageError("option --prompt: the prompt is empty", "generate", "--model", "m.gguf", "--prompt", "");
        assertUsageError("option --tokens: 'x' is not a token id",
                "logits", "--model", "m.gguf", "--tokens", "2,x", "--out", "o.npy");
        assertUsageError("option --json: takes no value", "info", "--model", "m.gguf", "--json=yes");
        assertUsageError("option --model: given more than once", "info", "--model", "a.gguf", "--model", "b.gguf");
        assertUsageError("unexpected argument 'extra' (options start with --; see gemma-spark info --help)",
                "info", "--model", "a.gguf", "extra");
    }

    @Test
    void unknownOrMissingCommandsAreUsageErrors() {
        assertUsageError("unknown command 'frob' (commands: info, tokenize, generate, logits, bench, synth,"
                + " transcribe, embed-image, embed-audio)", "frob");
        CliRun none = CliRun.of();
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("gemma-spark: Gemma 3n inference in pure Java"), none.err());
    }

    @Test
    void helpListsTheCommandsAndEachCommandsOptions() {
        CliRun top = CliRun.of("--help");
        assertEquals(0, top.status());
        for (String command : new String[] {"info", "tokenize", "generate", "logits", "bench", "synth"}) {
            assertTrue(top.out().contains("\n  " + command + " "), top.out());
        }
        CliRun generate = CliRun.of("generate", "--help");
        assertEquals(0, generate.status());
        assertTrue(generate.out().startsWith("usage: gemma-spark generate --model M.gguf --prompt T"), generate.out());
        for (String option : new String[] {"--model M.gguf", "--prompt T", "--raw", "--parse-special", "--json",
                "--threads N",
                "--seed S", "--temperature X", "--top-k K", "--top-p P", "--min-p P", "--repeat-penalty X",
                "--max-tokens N", "--stop TEXT", "--verbose", "--help"}) {
            assertTrue(generate.out().contains("\n  " + option + " "), option + " in\n" + generate.out());
        }
        assertEquals(CliRun.of("help", "logits").out(), CliRun.of("logits", "--model", "x", "--help").out());
        assertTrue(CliRun.of("help", "logits").out().contains("\n  --parse-special "));
    }

    @Test
    void aBadModelFileIsARuntimeErrorOfOneLine(@TempDir Path dir) throws Exception {
        Path notGguf = dir.resolve("notes.gguf");
        Files.writeString(notGguf, "just some text, long enough to have a header");
        CliRun r = CliRun.of("info", "--model", notGguf.toString());
        assertEquals(1, r.status());
        assertEquals("gemma-spark: " + notGguf + ": not a GGUF file (no 'GGUF' magic at the start)\n", r.err());

        CliRun missing = CliRun.of("info", "--model", dir.resolve("absent.gguf").toString());
        assertEquals(1, missing.status());
        assertEquals("gemma-spark: " + dir.resolve("absent.gguf") + ": model file not found\n", missing.err());
    }

    @Test
    void verboseAddsTheStackTrace(@TempDir Path dir) throws Exception {
        Path notGguf = dir.resolve("notes.gguf");
        Files.writeString(notGguf, "just some text, long enough to have a header");
        CliRun quiet = CliRun.of("info", "--model", notGguf.toString());
        assertFalse(quiet.err().contains("\tat "), quiet.err());
        CliRun verbose = CliRun.of("info", "--model", notGguf.toString(), "--verbose");
        assertEquals(1, verbose.status());
        assertTrue(verbose.err().contains("\tat dev.gemmaspark.engine.gguf.GGUFFile"), verbose.err());
    }

    @Test
    void aTruncatedModelNamesTheFile(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(Golden.model("gemma3n-tiny6q-tinyvocab-Q4_0"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        CliRun r = CliRun.of("info", "--model", cut.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("gemma-spark: " + cut + ": tensor '"), r.err());
        assertTrue(r.err().endsWith("extends past the end of the file: the file is truncated\n"), r.err());
    }
}
