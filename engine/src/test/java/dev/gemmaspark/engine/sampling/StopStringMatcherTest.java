package dev.gemmaspark.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void withoutStopStringsEverythingIsReleasedAtOnce() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertEquals("Hello", m.push("Hello"));
        assertEquals(" world", m.push(" world"));
        assertFalse(m.stopped());
        assertEquals("", m.flush());
    }

    @Test
    void aStopStringInsideOneTokenCutsTheText() {
        StopStringMatcher m = new StopStringMatcher(List.of("END"));
        assertEquals("one ", m.push("one "));
        assertEquals("two ", m.push("two ENDthree"));
        assertTrue(m.stopped());
        assertEquals("", m.push("more"));
        assertEquals("", m.flush());
    }

    @Test
    void aStopStringSplitOverTokensIsHeldBackUntilDecided() {
        StopStringMatcher m = new StopStringMatcher(List.of("<|end|>"));
        assertEquals("abc", m.push("abc<"));
        assertEquals("", m.push("|e"));
        assertEquals("", m.push("nd"));
        assertEquals("", m.push("|>tail"));
        assertTrue(m.stopped());
    }

    @Test
    void aFalseStartIsReleasedOnceItCannotMatch() {
        StopStringMatcher m = new StopStringMatcher(List.of("<|end|>"));
        assertEquals("x", m.push("x<|e"));
        assertEquals("<|ex", m.push("x"));
        assertEquals("", m.push("<"));
        assertFalse(m.stopped());
        assertEquals("<", m.flush());
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStringMatcher m = new StopStringMatcher(List.of("world", "lo w"));
        assertEquals("hel", m.push("hello world"));
        assertTrue(m.stopped());
    }

    @Test
    void theHeldBackTailIsTheLongestThatStartsAStopString() {
        StopStringMatcher m = new StopStringMatcher(List.of("aab"));
        assertEquals("x", m.push("xaa"));
        assertEquals("a", m.push("a")); // "aaa": the last two may still start "aab"
        assertEquals("", m.push("b"));
        assertTrue(m.stopped());
    }

    @Test
    void emptyStopStringsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopStringMatcher(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.GREEDY.withStop(List.of("")));
    }
}
