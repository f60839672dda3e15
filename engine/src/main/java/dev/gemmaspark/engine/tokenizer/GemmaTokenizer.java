package dev.gemmaspark.engine.tokenizer;

import dev.gemmaspark.engine.gguf.GGUFFile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gemma's SentencePiece tokenizer, token for token what llama.cpp computes (its SPM path): special tokens are cut
 * out of the text first (USER_DEFINED ones always, CONTROL ones only with {@code parseSpecial}), each remaining
 * fragment is merged by piece score with byte fallback, and BOS/EOS are added as the file's flags say.
 * Immutable after loading; share one instance between threads.
 */
public final class GemmaTokenizer {
    private final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final int maxPieceBytes;

    private GemmaTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
        int longest = 1; // a byte token covers one byte, whatever its piece
        for (int id = 0; id < vocab.size(); id++) {
            longest = Math.max(longest, vocab.pieces.length(id));
        }
        this.maxPieceBytes = longest;
    }

    /** Reads the {@code tokenizer.ggml.*} keys; a missing or bad key is an error naming the file and the key. */
    public static GemmaTokenizer fromGGUF(GGUFFile file) {
        return new GemmaTokenizer(Vocabulary.fromGGUF(file));
    }

    public int vocabSize() {
        return vocab.size();
    }

    public int bosId() {
        return vocab.bos;
    }

    public int eosId() {
        return vocab.eos;
    }

    /** The padding id, or -1 when the file names none. */
    public int padId() {
        return vocab.pad;
    }

    /** The id of the token whose piece is exactly {@code piece}, or -1. */
    public int tokenId(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        return vocab.pieces.find(b, 0, b.length);
    }

    /** The piece as stored ("▁" for spaces, {@code <0x0A>} for byte tokens). */
    public String piece(int id) {
        checkId(id);
        return vocab.texts[id];
    }

    /**
     * Whether generating {@code id} ends generation: llama.cpp's EOG set, i.e. eos, the end-of-turn token, and
     * tokens it recognises by text ({@code <end_of_turn>}, {@code <eos>}, {@code </s>}, ...).
     */
    public boolean isEndOfGeneration(int id) {
        return vocab.isEndOfGeneration(id);
    }

    /**
     * llama.cpp's {@code llama_tokenize}: with {@code addSpecial}, BOS first (and EOS last) as the file's
     * {@code add_bos_token}/{@code add_eos_token} say; with {@code parseSpecial}, CONTROL tokens written in the
     * text (e.g. {@code <start_of_turn>}) become single tokens. The empty string gives just BOS, or nothing.
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        return encode(List.of(new ChatTemplate.Segment(text, true)), parseSpecial, addSpecial && vocab.addBos,
                addSpecial && vocab.addEos);
    }

    /**
     * A chat, templated and tokenized: BOS (and EOS) as {@code encode}'s {@code addSpecial} adds them, the
     * template's turn markers as control tokens, and the messages' text with control-token text in it (a
     * document that holds {@code <end_of_turn>}, {@code <start_of_image>} or {@code <eos>}) kept as plain text,
     * as llama.cpp's {@code parse_special = false} keeps it, unless {@code parseSpecial}. Each run of text
     * between two markers is one fragment, merged as a whole as in llama.cpp, so when the messages hold no
     * control text the ids are exactly those of {@code encode(ChatTemplate.render(messages, addGenerationPrompt),
     * true, true)}, and with {@code parseSpecial} they always are.
     *
     * @throws IllegalArgumentException as {@link ChatTemplate#render} does for malformed conversations
     */
    public int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt, boolean parseSpecial) {
        return encode(ChatTemplate.segments(messages, addGenerationPrompt), parseSpecial, vocab.addBos, vocab.addEos);
    }

    /**
     * {@link #encode(String, boolean, boolean)} or, with {@code messages}, {@link #encodeChat}, with every
     * occurrence of {@code marker} in the text or a message's content replaced by the control token {@code control}
     * (a media marker such as {@code <image>} becoming {@code <start_of_image>}); the text between markers is
     * tokenized as separate fragments, as llama.cpp's mtmd tokenizes the pieces around its media marker. Exactly
     * one of {@code text} and {@code messages} is given.
     */
    public int[] encodeWithMarker(String text, List<ChatMessage> messages, boolean parseSpecial, String marker,
                                  String control) {
        List<ChatTemplate.Segment> segments = messages != null ? ChatTemplate.segments(messages, true)
                : List.of(new ChatTemplate.Segment(text, true));
        List<ChatTemplate.Segment> split = new ArrayList<>(segments.size() + 4);
        for (ChatTemplate.Segment s : segments) {
            if (!s.content()) {
                split.add(s);
                continue;
            }
            int from = 0;
            for (int at = s.text().indexOf(marker); at >= 0; at = s.text().indexOf(marker, from)) {
                split.add(new ChatTemplate.Segment(s.text().substring(from, at), true));
                split.add(new ChatTemplate.Segment(control, false));
                from = at + marker.length();
            }
            split.add(new ChatTemplate.Segment(s.text().substring(from), true));
        }
        return encode(split, parseSpecial, vocab.addBos, vocab.addEos);
    }

    /**
     * {@link #encodeChat}, keeping only the head of the last message's content so that the whole is at most
     * {@code maxTokens} ids: the content's tokens are cut at a token boundary and the closing markers follow as
     * usual. When everything fits, the ids are those of {@code encodeChat}.
     *
     * <p>The cost is bounded by {@code maxTokens}, not by the content's length: before tokenizing, the content
     * is cut to {@code maxTokens * maxPieceBytes()} chars. That cut never shortens the result: a token covers at
     * most {@code maxPieceBytes()} bytes of the text and every char is at least one UTF-8 byte, so the chars
     * kept still make at least {@code maxTokens} tokens, more than the content can be given.
     *
     * @throws IllegalArgumentException when {@code maxTokens} is below 1, or when the template's markers and the
     *                                  other messages alone take more than {@code maxTokens} ids
     */
    public int[] encodeChatTruncated(List<ChatMessage> messages, boolean addGenerationPrompt, boolean parseSpecial,
                                     int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens is " + maxTokens + "; it must be at least 1");
        }
        List<ChatTemplate.Segment> segments = ChatTemplate.segments(
                ChatTemplate.cutLastContent(messages, (long) maxTokens * maxPieceBytes), addGenerationPrompt);
        int last = segments.size() - 1;
        while (!segments.get(last).content()) {
            last--;
        }
        // The content ends at the <end_of_turn> control token, a fragment boundary, so encoding the two sides
        // apart gives the ids of encoding them together.
        List<ChatTemplate.Segment> closing = segments.subList(last + 1, segments.size());
        int[] head = encode(segments.subList(0, last + 1), parseSpecial, vocab.addBos, false);
        int[] tail = encode(closing, parseSpecial, false, vocab.addEos);
        if (head.length + tail.length > maxTokens) {
            int fixed = encode(segments.subList(0, last), parseSpecial, vocab.addBos, false).length + tail.length;
            if (fixed > maxTokens) {
                throw new IllegalArgumentException("the chat template and the messages before the last take "
                        + fixed + " tokens, more than the " + maxTokens + " allowed");
            }
            head = Arrays.copyOf(head, maxTokens - tail.length);
        }
        int[] ids = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, ids, head.length, tail.length);
        return ids;
    }

    /** The length in bytes of the longest piece: no token covers more bytes of text. */
    public int maxPieceBytes() {
        return maxPieceBytes;
    }

    /**
     * Tokenizes the segments' texts joined, as one text in which CONTROL tokens are matched only inside template
     * segments, or everywhere with {@code parseSpecial}.
     */
    private int[] encode(List<ChatTemplate.Segment> segments, boolean parseSpecial, boolean bos, boolean eos) {
        byte[][] parts = new byte[segments.size()][];
        int total = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = segments.get(i).text().getBytes(StandardCharsets.UTF_8);
            total += parts[i].length;
        }
        byte[] bytes = parts.length == 1 ? parts[0] : new byte[total];
        int[] controlRanges = new int[2 * parts.length];
        int nRanges = 0;
        int pos = 0;
        for (int i = 0; i < parts.length; i++) {
            if (parts.length > 1) {
                System.arraycopy(parts[i], 0, bytes, pos, parts[i].length);
            }
            int end = pos + parts[i].length;
            if (parseSpecial || !segments.get(i).content()) {
                if (nRanges > 0 && controlRanges[nRanges - 1] == pos) {
                    controlRanges[nRanges - 1] = end; // adjacent ranges join, so a token may span them
                } else {
                    controlRanges[nRanges++] = pos;
                    controlRanges[nRanges++] = end;
                }
            }
            pos = end;
        }
        int[] specials = splitter.split(bytes, Arrays.copyOf(controlRanges, nRanges));

        IntList out = new IntList(specials.length / 3 + 2);
        if (bos) {
            out.add(vocab.bos);
        }
        SpmEncoder spm = new SpmEncoder(vocab);
        int rawStart = 0;
        boolean afterSpecial = true; // the text start counts as following a special token
        for (int s = 0; s <= specials.length; s += 3) {
            int rawEnd = s < specials.length ? specials[s + 1] : bytes.length;
            if (rawStart < rawEnd) {
                spm.encode(bytes, rawStart, rawEnd, vocab.addSpacePrefix && afterSpecial, out);
                afterSpecial = false;
            }
            if (s < specials.length) {
                out.add(specials[s]);
                afterSpecial = true;
                rawStart = specials[s + 2];
            }
        }
        if (eos) {
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    /**
     * llama.cpp's {@code llama_detokenize} (nothing removed): pieces with "▁" as spaces, byte tokens as their
     * bytes, USER_DEFINED tokens verbatim, CONTROL tokens as their text only with {@code renderSpecial}. The bytes
     * are decoded as UTF-8, malformed sequences as U+FFFD.
     */
    public String decode(int[] ids, boolean renderSpecial) {
        return new String(render(ids, renderSpecial), StandardCharsets.UTF_8);
    }

    /** A decoder for tokens arriving one at a time (CONTROL tokens render as nothing). */
    public StreamDecoder streamDecoder() {
        return new StreamDecoder(this);
    }

    /** The detokenized bytes, before UTF-8 decoding. */
    byte[] render(int[] ids, boolean renderSpecial) {
        ByteList out = new ByteList();
        for (int i = 0; i < ids.length; i++) {
            // Without a space prefix in the vocabulary, llama.cpp strips nothing; with one it drops the space that
            // encoding put in front of the first piece.
            appendPiece(ids[i], renderSpecial, i == 0 && vocab.addSpacePrefix, out);
        }
        return out.toArray();
    }

    /** llama.cpp's {@code token_to_piece}, optionally without one leading space. */
    void appendPiece(int id, boolean renderSpecial, boolean stripLeadingSpace, ByteList out) {
        checkId(id);
        int attr = vocab.attrs[id];
        if (!renderSpecial && (attr & TokenAttr.SPECIAL) != 0) {
            return;
        }
        byte[] b = vocab.pieces.bytes();
        int from = vocab.pieces.start(id);
        int to = from + vocab.pieces.length(id);
        if ((attr & TokenAttr.SPLIT_BEFORE_MERGE) != 0) {
            if (stripLeadingSpace && from < to && b[from] == ' ') {
                from++;
            }
            out.add(b, from, to - from);
        } else if ((attr & TokenAttr.NORMAL) != 0) {
            boolean strip = stripLeadingSpace;
            for (int i = from; i < to; i++) {
                int c = b[i];
                if (c == (byte) 0xE2 && i + 2 < to && b[i + 1] == (byte) 0x96 && b[i + 2] == (byte) 0x81) {
                    c = ' ';
                    i += 2;
                }
                if (!(strip && c == ' ')) {
                    out.add(c);
                }
                strip = false;
            }
        } else if ((attr & TokenAttr.BYTE) != 0) {
            int value = vocab.byteValue(id);
            if (!(stripLeadingSpace && value == ' ')) {
                out.add(value);
            }
        }
        // UNUSED and UNDEFINED tokens render as nothing, as in llama.cpp.
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (" + vocab.size()
                    + " tokens)");
        }
    }
}
