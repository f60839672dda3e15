package dev.gemmaspark.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Gemma chat template against the spec (section 6.3), the Jinja template's rules, and llama.cpp's tokens. */
class ChatTemplateTest {
    private static ChatMessage model(String content) {
        return new ChatMessage("assistant", content);
    }

    @Test
    void singleUserTurnIsTheSpecExample() {
        assertEquals("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
                ChatTemplate.render(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void renderedChatTokenizesAsLlamaCppOnTheRealVocabulary() {
        // Case s126 of cases.jsonl is exactly this rendered chat, tokenized by llama.cpp.
        JsonNode s126 = tokenizerCase("s126");
        String rendered = ChatTemplate.render(List.of(ChatMessage.user("What is 2+2?")), true);
        assertEquals(s126.get("text").asText(), rendered);
        GemmaTokenizer tok = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        assertArrayEquals(GoldenData.ints(s126.get("ids_special")), tok.encode(rendered, true, true));
    }

    @Test
    void multiTurnConversation() {
        // Case s127: a user turn and a model turn, no generation prompt.
        JsonNode s127 = tokenizerCase("s127");
        String rendered = ChatTemplate.render(List.of(ChatMessage.user("Hi"), model("Hello!")), false);
        assertEquals(s127.get("text").asText(), rendered);
        GemmaTokenizer tok = GoldenData.tokenizer(GoldenData.REAL_VOCAB);
        assertArrayEquals(GoldenData.ints(s127.get("ids_special")), tok.encode(rendered, true, true));

        assertEquals("<start_of_turn>user\nA<end_of_turn>\n<start_of_turn>model\nB<end_of_turn>\n"
                        + "<start_of_turn>user\nC<end_of_turn>\n<start_of_turn>model\n",
                ChatTemplate.render(List.of(ChatMessage.user("A"), new ChatMessage("model", "B"),
                        ChatMessage.user("C")), true));
    }

    @Test
    void goldenChatPromptIsTheRenderedTemplate() {
        JsonNode ref = GoldenData.json("refs/gemma3n-tiny6-tinyvocab-f32/p2_chat.json");
        String rendered = ChatTemplate.render(List.of(ChatMessage.user("What is the capital of France?")), true);
        assertEquals(ref.get("prompt").asText(), rendered);
        GemmaTokenizer tok = GoldenData.tokenizer("models/" + ref.get("model").asText());
        assertArrayEquals(GoldenData.ints(ref.get("prompt_tokens")), tok.encode(rendered, true, true));
    }

    @Test
    void systemPromptIsFoldedIntoTheFirstUserTurn() {
        // The template appends a blank line to the system text and does not trim it; user content is trimmed.
        assertEquals("<start_of_turn>user\nBe brief. \n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
                        + "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n",
                ChatTemplate.render(List.of(ChatMessage.system("Be brief. "), ChatMessage.user("  Hi\n"),
                        model("\tHello "), ChatMessage.user("Bye")), true));
    }

    @Test
    void trimRemovesOnlyAsciiWhitespace() {
        // llama.cpp's Jinja trim tests each byte with C isspace: a no-break space stays.
        assertEquals("<start_of_turn>user\n\u00A0Hi\u00A0<end_of_turn>\n",
                ChatTemplate.render(List.of(ChatMessage.user(" \r\n\u000B\f\u00A0Hi\u00A0\t")), false));
    }

    @Test
    void rolesMustAlternateStartingWithUser() {
        assertMessageError(List.of(ChatMessage.user("a"), ChatMessage.user("b")), "message 1");
        assertMessageError(List.of(model("a")), "message 0");
        assertMessageError(List.of(ChatMessage.system("s"), model("a")), "message 1");
        assertMessageError(List.of(ChatMessage.user("a"), model("b"), model("c")), "message 2");
        assertMessageError(List.of(ChatMessage.user("a"), ChatMessage.system("late system")), "message 1");
        assertMessageError(List.of(ChatMessage.user("a"), new ChatMessage("tool", "b")), "message 1");
        assertMessageError(List.of(ChatMessage.system("only a system message")), "message 0");
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.render(List.of(), true));
    }

    private static void assertMessageError(List<ChatMessage> messages, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplate.render(messages, true));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static JsonNode tokenizerCase(String id) {
        return GoldenData.tokenizerCases().stream()
                .filter(c -> c.get("id").asText().equals(id))
                .findFirst()
                .orElseThrow();
    }
}
