package dev.gemmaspark.engine;

/**
 * The transcript of one recording.
 *
 * @param text         the transcript (windows of a long recording joined by a space); null on error
 * @param audioSeconds length of the recording
 * @param outputTokens tokens generated, over all windows
 * @param finishReason {@code stop} when every window ended by itself, {@code length} when one hit the limit
 * @param error        why the recording could not be transcribed, else null
 */
public record TranscriptionResult(String text, double audioSeconds, int outputTokens, FinishReason finishReason,
                                  String error) {
    public static TranscriptionResult failed(double audioSeconds, String error) {
        return new TranscriptionResult(null, audioSeconds, 0, FinishReason.ERROR, error);
    }
}
