/**
 * Audio files to the model's input: WAV (PCM 8/16/24/32-bit, IEEE float), FLAC (jFLAC) and MP3 (JLayer),
 * 1 to 64 channels at 1 to 384 kHz, decoded, averaged to mono and resampled to 16 kHz with a band-limited
 * (Kaiser-windowed sinc) polyphase resampler, block by block as the decoder produces them. The input is treated
 * as hostile: lengths are checked against {@link dev.gemmaspark.engine.audio.decode.AudioDecoder}'s limits before
 * anything is allocated for them, truncated and corrupt files are errors, and an interrupted thread stops decoding
 * with a {@link java.util.concurrent.CancellationException}.
 */
package dev.gemmaspark.engine.audio.decode;
