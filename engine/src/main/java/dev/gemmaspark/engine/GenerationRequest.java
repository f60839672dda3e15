package dev.gemmaspark.engine;

import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.vision.ImagePrompt;
import dev.gemmaspark.engine.vision.RgbImage;
import java.util.List;

/**
 * One prompt to complete. Exactly one of {@code messages} (chat-templated), {@code rawText} (tokenized as is, BOS
 * added) or {@code tokens} (used exactly) is set.
 *
 * <p>{@code parseSpecial} says whether control-token text in the messages or the raw text (e.g.
 * {@code <end_of_turn>}, {@code <start_of_image>}, {@code <eos>}) becomes control tokens. It is false in the
 * factories: a prompt built from data cannot then end the user's turn or open the model's. Set it
 * ({@link #withParseSpecial}) for raw text that writes its own template.
 *
 * <p>{@code truncate} says what happens to a text prompt too long for the context: false refuses it ({@link
 * PromptTooLongException}); true keeps the head of the raw text, or of the last message's content, so that the
 * prompt leaves room for {@code min(maxTokens, context / 2)} generated tokens.
 *
 * <p>{@code images} (never null; empty for a text prompt) go where the prompt text holds the marker {@value
 * ImagePrompt#MARKER}, in order, or before the text (the last message's content) when it holds none; each becomes
 * {@code <start_of_image>}, 256 embedded positions and {@code <end_of_image>} ({@link ImagePrompt}). With {@code
 * tokens}, every {@code <start_of_image>} id takes the next image's 256 positions and the caller writes the
 * {@code <end_of_image>}. A prompt with images is never truncated.
 */
public record GenerationRequest(List<ChatMessage> messages, String rawText, int[] tokens, SamplingParams params,
                                boolean parseSpecial, boolean truncate, List<RgbImage> images) {

    public GenerationRequest {
        int set = (messages != null ? 1 : 0) + (rawText != null ? 1 : 0) + (tokens != null ? 1 : 0);
        if (set != 1) {
            throw new IllegalArgumentException("exactly one of messages, rawText, tokens must be given");
        }
        if (params == null) {
            throw new IllegalArgumentException("params must not be null");
        }
        messages = messages == null ? null : List.copyOf(messages);
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** A text-only request. */
    public GenerationRequest(List<ChatMessage> messages, String rawText, int[] tokens, SamplingParams params,
                             boolean parseSpecial, boolean truncate) {
        this(messages, rawText, tokens, params, parseSpecial, truncate, List.of());
    }

    /** A single user turn, chat-templated. */
    public static GenerationRequest chat(String userPrompt, SamplingParams params) {
        return chat(List.of(ChatMessage.user(userPrompt)), params);
    }

    public static GenerationRequest chat(List<ChatMessage> messages, SamplingParams params) {
        return new GenerationRequest(messages, null, null, params, false, false);
    }

    /** Text used without the chat template. */
    public static GenerationRequest raw(String text, SamplingParams params) {
        return new GenerationRequest(null, text, null, params, false, false);
    }

    public static GenerationRequest tokens(int[] tokens, SamplingParams params) {
        return new GenerationRequest(null, null, tokens, params, false, false);
    }

    /** This request with control-token text in its prompt parsed ({@code true}) or kept as text. */
    public GenerationRequest withParseSpecial(boolean parse) {
        return new GenerationRequest(messages, rawText, tokens, params, parse, truncate, images);
    }

    /** This request cutting a prompt too long for the context ({@code true}) instead of refusing it. */
    public GenerationRequest withTruncate(boolean cut) {
        return new GenerationRequest(messages, rawText, tokens, params, parseSpecial, cut, images);
    }

    /** This request with {@code list} as its images (see the class comment); the model needs a vision projector. */
    public GenerationRequest withImages(List<RgbImage> list) {
        return new GenerationRequest(messages, rawText, tokens, params, parseSpecial, truncate, list);
    }
}
