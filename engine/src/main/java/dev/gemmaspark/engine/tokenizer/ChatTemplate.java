package dev.gemmaspark.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Gemma chat template, rendered as the Jinja template in Gemma's GGUF files renders it under llama.cpp, less
 * the leading {@code <bos>} (encode with {@code addSpecial} adds it; llama.cpp likewise strips the rendered one).
 * To tokenize a chat, use {@link GemmaTokenizer#encodeChat}, which keeps control-token text inside the messages
 * as plain text; encoding the rendered string with {@code parseSpecial} would turn it into control tokens.
 */
public final class ChatTemplate {
    private static final String START = "<start_of_turn>";
    private static final String END = "<end_of_turn>";

    private ChatTemplate() {
    }

    /**
     * One run of the rendered chat: text of the template itself, or text taken from a message ({@code content}
     * true), in which control-token text is data unless the caller asks for it to be parsed.
     */
    record Segment(String text, boolean content) {
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
        StringBuilder out = new StringBuilder();
        for (Segment s : segments(messages, addGenerationPrompt)) {
            out.append(s.text());
        }
        return out.toString();
    }

    /**
     * The rendered chat as segments, in order; their texts joined are {@link #render}'s result. The last
     * message's content is the last content segment.
     */
    static List<Segment> segments(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat needs at least one message");
        }
        int first = 0;
        String system = null;
        if (message(messages, 0).role().equals("system")) {
            first = 1;
            system = messages.get(0).content();
            if (messages.size() == 1) {
                throw new IllegalArgumentException("message 0 is a system message, but no user message follows it");
            }
        }
        List<Segment> out = new ArrayList<>(4 * messages.size() + 2);
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
            out.add(new Segment(START + role + "\n", false));
            if (i == first && system != null) {
                out.add(new Segment(system, true));
                out.add(new Segment("\n\n", false));
            }
            out.add(new Segment(trimAsciiWhitespace(m.content()), true));
            out.add(new Segment(END + "\n", false));
        }
        if (addGenerationPrompt) {
            out.add(new Segment(START + "model\n", false));
        }
        return out;
    }

    /**
     * The messages with the last one's content cut after {@code maxChars} chars of what the template keeps of it
     * (the whitespace that it trims from the front does not count), never inside a surrogate pair. Only the
     * kept head is copied, so cutting a huge content costs its head, not its length.
     */
    static List<ChatMessage> cutLastContent(List<ChatMessage> messages, long maxChars) {
        int lastIndex = messages.size() - 1;
        ChatMessage last = lastIndex < 0 ? null : messages.get(lastIndex);
        if (last == null || last.content() == null) {
            return messages; // segments() reports it
        }
        String content = last.content();
        int from = 0;
        while (from < content.length() && isAsciiSpace(content.charAt(from))) {
            from++;
        }
        if (content.length() - from <= maxChars) {
            return messages;
        }
        int cut = (int) (from + maxChars);
        if (Character.isHighSurrogate(content.charAt(cut - 1))) {
            cut--;
        }
        List<ChatMessage> out = new ArrayList<>(messages);
        out.set(lastIndex, new ChatMessage(last.role(), content.substring(from, cut)));
        return out;
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
