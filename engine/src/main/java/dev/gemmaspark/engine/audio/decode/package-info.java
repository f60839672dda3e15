/**
 * Audio files to the model's input: WAV (PCM 8/16/24/32-bit, IEEE float), FLAC (jFLAC) and MP3 (JLayer),
 * any channel count and sample rate, decoded, averaged to mono and resampled to 16 kHz with a
 * band-limited (Kaiser-windowed sinc) polyphase resampler.
 */
package dev.gemmaspark.engine.audio.decode;
