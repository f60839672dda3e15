package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.vision.ImagePrompt;
import java.util.ArrayList;
import java.util.List;

/** The instructions the connector wraps around rows for the tasks that are not plain generation. */
public final class Prompts {
    private Prompts() {}

    /** The conversation of one row: the optional system prompt, then the user turn. */
    public static List<ChatMessage> conversation(String systemPrompt, String user) {
        List<ChatMessage> messages = new ArrayList<>(2);
        if (systemPrompt != null) {
            messages.add(ChatMessage.system(systemPrompt));
        }
        messages.add(ChatMessage.user(user));
        return messages;
    }

    public static String summarize(String text, Integer maxWords) {
        String limit = maxWords == null ? "" : " in at most " + maxWords + " words";
        return "Summarize the following text" + limit + ". Reply with the summary only.\n\n" + text;
    }

    public static String classify(String text, List<String> labels) {
        return "Classify the following text into exactly one of these categories: " + String.join(", ", labels)
                + ". Reply with the category only.\n\nText: " + text;
    }

    /** The instruction, then the image: its marker is where the engine puts the image's positions. */
    public static String caption(Integer maxWords) {
        String limit = maxWords == null ? "" : " in at most " + maxWords + " words";
        return "Describe this image" + limit + ". Reply with the description only.\n\n" + ImagePrompt.MARKER;
    }
}
