package dev.rill.internal.llama;

import java.util.Locale;
import java.util.Optional;

/** llama.cpp's {@code enum llama_pooling_type}: how a context turns a sequence's hidden states into one vector. */
public enum PoolingType {
    /** No pooling: one vector per token. */
    NONE(0),
    /** The average over the sequence's tokens. */
    MEAN(1),
    /** The first token's vector (BERT's {@code [CLS]}). */
    CLS(2),
    /** The last token's vector. */
    LAST(3),
    /**
     * A reranker's classification head: a score (or {@code n_cls_out} of them) per sequence, from the first
     * token's state (the last for Qwen3 rerankers) through {@code cls} and {@code cls.output}.
     */
    RANK(4);

    private final int id;

    PoolingType(int id) {
        this.id = id;
    }

    /** llama.cpp's enum value. */
    int id() {
        return id;
    }

    /**
     * The pooling a model's metadata names ({@code <arch>.pooling_type}, llama.cpp's enum value), if it names
     * one this binding knows; anything else gives empty.
     */
    public static Optional<PoolingType> fromMetadata(Object value) {
        if (!(value instanceof Number number)) {
            return Optional.empty();
        }
        int id = number.intValue();
        for (PoolingType type : values()) {
            if (type.id == id) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
