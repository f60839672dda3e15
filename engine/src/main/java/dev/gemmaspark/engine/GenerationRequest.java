package dev.gemmaspark.engine;

import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import java.util.List;

/**
 * One prompt to complete. Exactly one of {@code messages} (chat-templated), {@code rawText} (tokenized
 * as is, special tokens parsed, BOS added) or {@code tokens} (used exactly) is set.
 */
public record GenerationRequest(List<ChatMessage> messages, String rawText, int[] tokens, SamplingParams params) {

    public GenerationRequest {
        int set = (messages != null ? 1 : 0) + (rawText != null ? 1 : 0) + (tokens != null ? 1 : 0);
        if (set != 1) {
            throw new IllegalArgumentException("exactly one of messages, rawText, tokens must be given");
        }
        if (params == null) {
            throw new IllegalArgumentException("params must not be null");
        }
        messages = messages == null ? null : List.copyOf(messages);
    }

    /** A single user turn, chat-templated. */
    public static GenerationRequest chat(String userPrompt, SamplingParams params) {
        return new GenerationRequest(List.of(ChatMessage.user(userPrompt)), null, null, params);
    }

    public static GenerationRequest chat(List<ChatMessage> messages, SamplingParams params) {
        return new GenerationRequest(messages, null, null, params);
    }

    /** Text used without the chat template. */
    public static GenerationRequest raw(String text, SamplingParams params) {
        return new GenerationRequest(null, text, null, params);
    }

    public static GenerationRequest tokens(int[] tokens, SamplingParams params) {
        return new GenerationRequest(null, null, tokens, params);
    }
}
