package dev.gemmaspark.engine.audio;

/**
 * The audio span of a Gemma 3n prompt, as HF's processor builds it: the chat template renders an audio item as
 * one {@value #SOFT_TOKEN} marker, which is expanded, before tokenising, to a blank line, {@code <start_of_audio>},
 * one marker per slot, {@code <end_of_audio>} and a blank line. The slots then take an {@link AudioEmbedding}'s
 * rows; {@code <end_of_audio>} takes {@link AudioEncoder#hardEmbedding} of its id. Both enter the text model
 * unscaled, with the per-layer input of the pad token.
 */
public final class AudioPrompt {
    public static final String SOFT_TOKEN = "<audio_soft_token>";
    public static final int START_OF_AUDIO_ID = 256000;
    public static final int END_OF_AUDIO_ID = 262272;
    public static final int SOFT_TOKEN_ID = 262273;

    private AudioPrompt() {
    }

    /** {@code rendered} with every {@value #SOFT_TOKEN} marker expanded to an audio span of {@code slots} slots. */
    public static String expand(String rendered, int slots) {
        String span = "\n\n<start_of_audio>" + SOFT_TOKEN.repeat(slots) + "<end_of_audio>\n\n";
        return rendered.replace(SOFT_TOKEN, span);
    }
}
