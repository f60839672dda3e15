/**
 * Gemma's SentencePiece tokenizer, computed exactly as llama.cpp does for {@code tokenizer.ggml.model = llama}:
 * the vocabulary from the GGUF metadata ({@link dev.gemmaspark.engine.tokenizer.GemmaTokenizer}), special-token
 * splitting, the score-driven bigram merge with byte fallback, the detokenizer and its streaming form
 * ({@link dev.gemmaspark.engine.tokenizer.StreamDecoder}), and the Gemma chat template
 * ({@link dev.gemmaspark.engine.tokenizer.ChatTemplate}).
 */
package dev.gemmaspark.engine.tokenizer;
