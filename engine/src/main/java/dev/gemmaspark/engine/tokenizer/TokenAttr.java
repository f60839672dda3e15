package dev.gemmaspark.engine.tokenizer;

/**
 * llama.cpp's token attribute bits. They are flags, not one type, because llama.cpp adds CONTROL to tokens that
 * look like end-of-turn markers whatever their stored type (e.g. {@code </s>}, USER_DEFINED in Gemma's file).
 */
final class TokenAttr {
    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1 << 0;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;

    /** Tokens matched as whole strings before the merge (llama.cpp's special-token cache). */
    static final int SPLIT_BEFORE_MERGE = CONTROL | USER_DEFINED | UNKNOWN;
    /** Tokens that render as text only when special output is asked for, and split only with parse_special. */
    static final int SPECIAL = CONTROL | UNKNOWN;

    private TokenAttr() {
    }

    /** The attribute of a {@code tokenizer.ggml.token_type} value (llama_token_type); unknown values are UNDEFINED. */
    static int fromGgufType(int type) {
        return switch (type) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> UNDEFINED;
        };
    }
}
