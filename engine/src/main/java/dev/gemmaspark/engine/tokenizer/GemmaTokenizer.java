package dev.gemmaspark.engine.tokenizer;

import dev.gemmaspark.engine.gguf.GGUFFile;

import java.nio.charset.StandardCharsets;

/**
 * Gemma's SentencePiece tokenizer, token for token what llama.cpp computes (its SPM path): special tokens are cut
 * out of the text first (USER_DEFINED ones always, CONTROL ones only with {@code parseSpecial}), each remaining
 * fragment is merged by piece score with byte fallback, and BOS/EOS are added as the file's flags say.
 * Immutable after loading; share one instance between threads.
 */
public final class GemmaTokenizer {
    private final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;

    private GemmaTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
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
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        IntList out = new IntList(bytes.length / 2 + 2);
        if (addSpecial && vocab.addBos) {
            out.add(vocab.bos);
        }
        int[] fragments = splitter.split(bytes, parseSpecial);
        SpmEncoder spm = new SpmEncoder(vocab);
        boolean afterSpecial = true; // the text start counts as following a special token
        for (int f = 0; f < fragments.length; f += 3) {
            int token = fragments[f];
            if (token == SpecialTokenSplitter.RAW) {
                spm.encode(bytes, fragments[f + 1], fragments[f + 2], vocab.addSpacePrefix && afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add(token);
                afterSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos) {
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
