package dev.rill.testkit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An SPM ({@code tokenizer.ggml.model = "llama"}) vocabulary.
 *
 * <p>The vocabularies made here start with the same 259 tokens: {@code <unk>} (id 0, UNKNOWN), {@code <s>} (1,
 * CONTROL, beginning of sequence), {@code </s>} (2, CONTROL, end of sequence) and the byte tokens {@code <0x00>} to
 * {@code <0xFF>} (ids 3 to 258, BYTE): byte {@code b} is token {@link #byteToken(int) 3 + b}.
 *
 * @param addBos whether llama.cpp puts {@code <s>} in front of tokenized prompts
 */
public record Vocabulary(List<Token> tokens, int bosId, int eosId, int unkId, boolean addBos) {

    /** Token id of {@code <unk>}. */
    public static final int UNK = 0;
    /** Token id of {@code <s>}, beginning of sequence. */
    public static final int BOS = 1;
    /** Token id of {@code </s>}, end of sequence. */
    public static final int EOS = 2;
    /** Token id of byte 0x00; byte {@code b} has id {@code FIRST_BYTE + b}. */
    public static final int FIRST_BYTE = 3;
    /** The size of {@link #bytes()}. */
    public static final int BYTE_VOCABULARY_SIZE = FIRST_BYTE + 256;

    /** llama.cpp's token types (the {@code tokenizer.ggml.token_type} values). */
    public enum TokenType {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        private final int id;

        TokenType(int id) {
            this.id = id;
        }

        /** The value stored in GGUF. */
        public int id() {
            return id;
        }
    }

    /** One vocabulary entry; {@code score} orders SPM merges (higher merges first). */
    public record Token(String text, float score, TokenType type) {
        public Token {
            Objects.requireNonNull(type, "type");
            if (text == null || text.isEmpty()) {
                throw new IllegalArgumentException("token texts must not be empty");
            }
        }
    }

    public Vocabulary {
        tokens = List.copyOf(tokens);
        Set<String> seen = new HashSet<>();
        for (Token token : tokens) {
            if (!seen.add(token.text())) {
                throw new IllegalArgumentException("duplicate token text '" + token.text() + "'");
            }
        }
        for (int id : new int[] {bosId, eosId, unkId}) {
            if (id < 0 || id >= tokens.size()) {
                throw new IllegalArgumentException("special token id " + id + " is outside the vocabulary");
            }
        }
    }

    /** The token id of byte {@code b} (0 to 255) in the vocabularies made here. */
    public static int byteToken(int b) {
        if (b < 0 || b > 0xFF) {
            throw new IllegalArgumentException("not a byte: " + b);
        }
        return FIRST_BYTE + b;
    }

    /** The byte vocabulary: {@code <unk>}, {@code <s>}, {@code </s>} and the 256 byte tokens; adds BOS. */
    public static Vocabulary bytes() {
        return new Vocabulary(byteTokens(), BOS, EOS, UNK, true);
    }

    /**
     * The byte vocabulary followed by synthetic NORMAL tokens up to {@code size} tokens in all. The synthetic tokens
     * are {@code ▁a} .. {@code ▁z}, {@code ▁aa} .. (U+2581 then lowercase letters, counting in bijective base
     * 26), scored so that shorter ones merge first; they print as a space followed by the letters.
     */
    public static Vocabulary bytesAndWords(int size) {
        if (size < BYTE_VOCABULARY_SIZE) {
            throw new IllegalArgumentException("a vocabulary needs at least " + BYTE_VOCABULARY_SIZE + " tokens");
        }
        List<Token> tokens = byteTokens();
        for (int i = 0; tokens.size() < size; i++) {
            tokens.add(new Token("\u2581" + letters(i), -i, TokenType.NORMAL));
        }
        return new Vocabulary(tokens, BOS, EOS, UNK, true);
    }

    /** The number of tokens. */
    public int size() {
        return tokens.size();
    }

    private static List<Token> byteTokens() {
        List<Token> tokens = new ArrayList<>();
        tokens.add(new Token("<unk>", 0f, TokenType.UNKNOWN));
        tokens.add(new Token("<s>", 0f, TokenType.CONTROL));
        tokens.add(new Token("</s>", 0f, TokenType.CONTROL));
        for (int b = 0; b < 256; b++) {
            tokens.add(new Token(String.format("<0x%02X>", b), 0f, TokenType.BYTE));
        }
        return tokens;
    }

    private static String letters(int index) {
        StringBuilder letters = new StringBuilder();
        for (int n = index + 1; n > 0; n = (n - 1) / 26) {
            letters.append((char) ('a' + (n - 1) % 26));
        }
        return letters.reverse().toString();
    }
}
