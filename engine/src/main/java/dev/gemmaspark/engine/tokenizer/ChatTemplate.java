package dev.gemmaspark.engine.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * The Gemma chat template, rendered as the Jinja template in Gemma's GGUF files renders it under llama.cpp, less
 * the leading {@code <bos>} (encode with {@code addSpecial} adds it; llama.cpp likewise strips the rendered one).
 * Encode the result with {@code parseSpecial} so that the turn markers become single tokens.
 */
public final class ChatTemplate {
    private static final String START = "<start_of_turn>";
    private static final String END = "<end_of_turn>\n";

    private ChatTemplate() {
    }

    /**
     * Renders the turns: an optional leading system message is folded into the first user turn (its text, then a
     * blank line); then user and assistant ({@code "assistant"} or {@code "model"}) messages must alternate,
     * starting with user. Contents are trimmed of ASCII whitespace, as the template's {@code trim} does.
     *
     * @throws IllegalArgumentException naming the message index when roles do not alternate, a role is unknown,
     *                                  or there is no message after the system message
     */
    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat needs at least one message");
        }
        int first = 0;
        String systemPrefix = "";
        if (message(messages, 0).role().equals("system")) {
            first = 1;
            systemPrefix = messages.get(0).content() + "\n\n";
            if (messages.size() == 1) {
                throw new IllegalArgumentException("message 0 is a system message, but no user message follows it");
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = first; i < messages.size(); i++) {
            ChatMessage m = message(messages, i);
            boolean userTurn = (i - first) % 2 == 0;
            String role = switch (m.role()) {
                case "user" -> "user";
                case "assistant", "model" -> "model";
                default -> throw new IllegalArgumentException("message " + i + " has role '" + m.role()
                        + "'; after an optional first system message, roles are user, assistant or model");
            };
            if (userTurn != role.equals("user")) {
                throw new IllegalArgumentException("message " + i + " has role '" + m.role() + "' but a "
                        + (userTurn ? "user" : "assistant") + " message must come there: roles must alternate "
                        + "user/assistant, starting with user");
            }
            out.append(START).append(role).append('\n');
            if (i == first) {
                out.append(systemPrefix);
            }
            out.append(trimAsciiWhitespace(m.content())).append(END);
        }
        if (addGenerationPrompt) {
            out.append(START).append("model\n");
        }
        return out.toString();
    }

    private static ChatMessage message(List<ChatMessage> messages, int i) {
        ChatMessage m = messages.get(i);
        if (m == null || m.role() == null || m.content() == null) {
            throw new IllegalArgumentException("message " + i + " has no role or no content");
        }
        return m;
    }

    /** llama.cpp's Jinja {@code trim}: C {@code isspace} on each byte, so only ASCII whitespace goes. */
    private static String trimAsciiWhitespace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isAsciiSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isAsciiSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }
}
