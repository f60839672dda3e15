package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AudioPromptTest {
    @Test
    void markerExpandsToHfsAudioSpan() {
        String rendered = "<start_of_turn>user\n<audio_soft_token>Transcribe this audio.<end_of_turn>\n<start_of_turn>model\n";
        assertEquals("<start_of_turn>user\n\n\n<start_of_audio><audio_soft_token><audio_soft_token><audio_soft_token>"
                + "<end_of_audio>\n\nTranscribe this audio.<end_of_turn>\n<start_of_turn>model\n", AudioPrompt.expand(rendered, 3));
        String full = AudioPrompt.expand("<audio_soft_token>", 188);
        assertEquals(188, (full.length() - "\n\n<start_of_audio><end_of_audio>\n\n".length()) / "<audio_soft_token>".length());
    }
}
