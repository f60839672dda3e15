package dev.gemmaspark.engine.tokenizer;

/** One turn of a conversation: role {@code system}, {@code user}, {@code assistant} (or {@code model}). */
public record ChatMessage(String role, String content) {
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }
}
